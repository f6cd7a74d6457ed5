/**
 * The upload page in Firefox, driven by puppeteer-core over WebDriver BiDi: rows and their states,
 * the OSS requests of one file as the browser sees them, a gate that holds part uploads back (so a
 * test acts halfway through an upload without timing or throttling), and a kill like a crash.
 */
import type { Browser, BrowserContext, HTTPRequest, Page } from 'puppeteer-core';

const ROW = '.ou-row';

/** Opens the app in a new tab of `target` (a browser's default context or a fresh one). */
export async function openApp(target: Browser | BrowserContext, url: string): Promise<Page> {
  const page = await target.newPage();
  // The page asks before leaving while uploads run; a test leaves on purpose.
  page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
  await page.goto(`${url}/`);
  await page.waitForSelector('.ou-drop__zone');
  return page;
}

/** Waits until the row of `name` is in `state` (data-state: uploading, paused, done, …). */
export async function waitForState(page: Page, name: string, state: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (rowSelector, fileName, wanted) =>
      Array.from(document.querySelectorAll(rowSelector)).some(
        (row) => row.querySelector('.ou-row__name')?.textContent === fileName && row.getAttribute('data-state') === wanted,
      ),
    { timeout, polling: 100 },
    ROW,
    name,
    state,
  );
}

/** Text of one part of the row of `name` ('' when absent). */
export async function rowText(page: Page, name: string, selector: string): Promise<string> {
  return page.evaluate(
    (rowSelector, fileName, inner) => {
      const row = Array.from(document.querySelectorAll(rowSelector)).find((item) => item.querySelector('.ou-row__name')?.textContent === fileName);
      return row?.querySelector(inner)?.textContent?.trim() ?? '';
    },
    ROW,
    name,
    selector,
  );
}

export async function storedKey(page: Page, name: string): Promise<string> {
  return (await rowText(page, name, '.ou-row__key')).replace(/^Stored as /, '');
}

/** Clicks a button by its accessible name (aria-label), e.g. "Pause uploading a.bin". */
export async function clickButton(page: Page, label: string): Promise<void> {
  const button = await page.waitForSelector(`button[aria-label="${label}"]`);
  await button!.click();
}

export interface OssTraffic {
  /** InitiateMultipartUpload requests (POST …?uploads) of the file. */
  initiates: number;
  /** Part numbers of the part uploads (PUT …?partNumber=) the page started, held back or not, in order. */
  requestedParts: number[];
  /** Part numbers the server accepted (a 2xx answer to the PUT), in the order of the answers. */
  storedParts: number[];
}

function isPartUpload(request: HTTPRequest, name: string): boolean {
  const url = new URL(request.url());
  return request.method() === 'PUT' && url.pathname.endsWith(`/${name}`) && url.searchParams.has('partNumber');
}

function partNumberOf(request: HTTPRequest): number {
  return Number(new URL(request.url()).searchParams.get('partNumber'));
}

/** Counts the OSS requests of one file that this page sends from now on. */
export function watchOss(page: Page, name: string): OssTraffic {
  const traffic: OssTraffic = { initiates: 0, requestedParts: [], storedParts: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.searchParams.has('uploads') && url.pathname.endsWith(`/${name}`)) traffic.initiates += 1;
    if (isPartUpload(request, name)) traffic.requestedParts.push(partNumberOf(request));
  });
  page.on('response', (response) => {
    if (isPartUpload(response.request(), name) && response.ok()) traffic.storedParts.push(partNumberOf(response.request()));
  });
  return traffic;
}

export interface PartGate {
  /** Part numbers whose upload is held back: started by the page, not yet sent to the server. */
  readonly held: readonly number[];
  /** Lets the held parts go, and every later one. */
  open(): Promise<void>;
  /** Fails the held parts as a network error: they never reach the server. Later ones are held again. */
  drop(): Promise<void>;
}

/**
 * Holds back the part uploads of `name` whose number `hold` picks (request interception over
 * BiDi); every other request of the page goes through untouched.
 */
export async function holdParts(page: Page, name: string, hold: (partNumber: number) => boolean): Promise<PartGate> {
  const held: HTTPRequest[] = [];
  let opened = false;
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    if (!opened && isPartUpload(request, name) && hold(partNumberOf(request))) {
      held.push(request);
      return;
    }
    // The page may have given up on it meanwhile (pause, navigation): nothing left to let through.
    void request.continue().catch(() => undefined);
  });
  const settle = async (each: (request: HTTPRequest) => Promise<void>): Promise<void> => {
    const waiting = held.splice(0);
    await Promise.all(waiting.map((request) => each(request).catch(() => undefined)));
  };
  return {
    get held() {
      return held.map(partNumberOf);
    },
    async open() {
      opened = true;
      await settle((request) => request.continue());
    },
    async drop() {
      await settle((request) => request.abort('failed'));
    },
  };
}

/** Polls `read` until `done` holds; throws with the last value after `timeout` ms. */
export async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, timeout = 60_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Parts the page's IndexedDB checkpoint of `name` records as stored (database of the engine's default store). */
export async function checkpointedParts(page: Page, name: string): Promise<number> {
  return page.evaluate(
    (fileName) =>
      new Promise<number>((resolve) => {
        const opening = indexedDB.open('oss-uploader');
        opening.onerror = () => resolve(0);
        opening.onsuccess = () => {
          const db = opening.result;
          if (!db.objectStoreNames.contains('checkpoints')) {
            db.close();
            resolve(0);
            return;
          }
          const all = db.transaction('checkpoints').objectStore('checkpoints').getAll();
          all.onerror = () => resolve(0);
          all.onsuccess = () => {
            db.close();
            const checkpoint = (all.result as Array<{ name?: string; doneParts?: unknown[] }>).find((item) => item.name === fileName);
            resolve(checkpoint?.doneParts?.length ?? 0);
          };
        };
      }),
    name,
  );
}

/**
 * Kills Firefox like a crash: SIGKILL to its process group (puppeteer starts it detached, so the
 * content processes go too), no chance to flush or say goodbye. Resolves once it has exited.
 */
export async function killFirefox(browser: Browser): Promise<void> {
  const child = browser.process();
  if (!child?.pid) throw new Error('this Firefox was not started by the test, so it cannot be killed');
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  process.kill(-child.pid, 'SIGKILL');
  await exited;
  // The connection is already gone; this only releases puppeteer's side of it.
  await browser.close().catch(() => undefined);
}
