/**
 * The app in Debian's Chromium against the whole local stack (OSS + STS + token endpoint): files
 * picked or dropped on the page arrive byte for byte, pause/resume and a browser restart continue
 * the same upload, discard forgets it, a Complete whose answer is lost ends done (at once, or when the
 * file is selected again after the browser closed), the embed page works both ways, and the keyboard suffices.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../support/browsers';
import { startAppStack, type AppStack } from './app-stack';
import { storedObjectMd5, writeRandomFile } from './e2e-files';
import { DEFAULT_PART_SIZE } from '../../src/engine/transfer/part-plan';

/** The README shows these; `SCREENSHOTS=update npm test` refreshes the committed copies. */
function screenshotPath(name: string): string {
  return process.env.SCREENSHOTS === 'update' ? join(import.meta.dirname, 'screenshots', name) : join('test-results', name);
}

const MiB = 1024 * 1024;
const CHROMIUM = chromiumLaunchOptions();

let app: AppStack;
let browser: Browser;

beforeAll(async () => {
  app = await startAppStack();
  browser = await chromium.launch(CHROMIUM);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const makeFile = (name: string, size: number): Promise<{ path: string; md5: string }> => writeRandomFile(join(app.tempDir, 'files'), name, size);
const storedMd5 = (key: string): Promise<string> => storedObjectMd5(app.rootClient(), key);

function row(page: Page, name: string): Locator {
  return page.locator('.ou-list > .ou-row', { has: page.locator('.ou-row__name', { hasText: name }) });
}

async function waitForState(page: Page, name: string, state: string, timeout = 120_000): Promise<void> {
  await row(page, name).and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout });
}

async function waitForPercent(page: Page, name: string, atLeast: number): Promise<void> {
  await page.waitForFunction(
    ([fileName, min]) => {
      const rows = Array.from(document.querySelectorAll('.ou-row'));
      const match = rows.find((item) => item.querySelector('.ou-row__name')?.textContent === fileName);
      return Number(match?.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') ?? 0) >= Number(min);
    },
    [name, atLeast] as const,
    { timeout: 120_000 },
  );
}

async function storedKey(page: Page, name: string): Promise<string> {
  const text = (await row(page, name).locator('.ou-row__key').textContent()) ?? '';
  return text.replace(/^Stored as /, '');
}

/** Slows the page's uploads so a test can act halfway through one. */
async function throttleUploads(page: Page, bytesPerSecond: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

/** Counts InitiateMultipartUpload requests (POST …?uploads) for one file. */
function countInitiates(page: Page, name: string): { count: number } {
  const counter = { count: 0 };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.searchParams.has('uploads') && url.pathname.endsWith(`/${name}`)) counter.count += 1;
  });
  return counter;
}

/** Counts part uploads (PUT …?partNumber=) of one file that the server accepted. */
function countPartUploads(page: Page, name: string): { count: number } {
  const counter = { count: 0 };
  page.on('response', (response) => {
    const url = new URL(response.url());
    const request = response.request();
    if (request.method() === 'PUT' && url.searchParams.has('partNumber') && url.pathname.endsWith(`/${name}`) && response.ok()) counter.count += 1;
  });
  return counter;
}

/** CompleteMultipartUpload (and ListParts, AbortMultipartUpload) requests of one file: the handler sorts them by method. */
function uploadRequestsOf(name: string): (url: URL) => boolean {
  return (url) => url.pathname.endsWith(`/${name}`) && url.searchParams.has('uploadId') && !url.searchParams.has('partNumber');
}

/** Answers of the token endpoint's object-info route, as `<key> <status>`. */
function recordObjectInfo(page: Page): string[] {
  const answers: string[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === '/api/object') answers.push(`${url.searchParams.get('key')} ${response.status()}`);
  });
  return answers;
}

async function openApp(context: BrowserContext, path = '/'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${app.url}${path}`);
  await page.locator('.ou-drop__zone').waitFor();
  return page;
}

describe('the upload page', () => {
  test('a 64 MiB file picked on the page is stored byte for byte', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
    const page = await openApp(context);
    const file = await makeFile('video-64MiB.bin', 64 * MiB);
    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForState(page, 'video-64MiB.bin', 'done');
    expect(await storedMd5(await storedKey(page, 'video-64MiB.bin'))).toBe(file.md5);
    await expect.poll(() => page.locator('[aria-live=polite]').textContent()).toContain('video-64MiB.bin uploaded');
    await page.screenshot({ path: screenshotPath('ui-app.png') });
    await context.close();
  });

  test('follows a dark system colour scheme, page and uploader alike', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 760 }, colorScheme: 'dark' });
    const page = await openApp(context);
    const file = await makeFile('photo-dark.bin', 1 * MiB);
    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForState(page, 'photo-dark.bin', 'done');
    const colours = await page.evaluate(() => ({
      page: getComputedStyle(document.documentElement).backgroundColor,
      text: getComputedStyle(document.querySelector('.ou-uploader')!).color,
      row: getComputedStyle(document.querySelector('.ou-row')!).backgroundColor,
    }));
    // The dark defaults of page.css and uploader.css.
    expect(colours).toEqual({ page: 'rgb(13, 17, 23)', text: 'rgb(230, 237, 243)', row: 'rgb(21, 27, 35)' });
    // The bar's width is animated: the picture is taken once it is full.
    await expect
      .poll(() => page.locator('.ou-progress__fill').evaluate((fill) => fill.getBoundingClientRect().width / fill.parentElement!.getBoundingClientRect().width))
      .toBe(1);
    await page.screenshot({ path: screenshotPath('ui-dark.png') });
    await context.close();
  });

  test('a Complete whose answer is lost on the way ends done, the object confirmed by the token endpoint, nothing sent again', async () => {
    const context = await browser.newContext();
    const page = await openApp(context);
    const name = 'lost-answer.bin';
    // Two parts of the default size: a multipart upload.
    const file = await makeFile(name, DEFAULT_PART_SIZE + 3 * MiB);
    const parts = countPartUploads(page, name);
    const initiates = countInitiates(page, name);
    const completes: number[] = [];
    await page.route(uploadRequestsOf(name), async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const answer = await route.fetch();
      completes.push(answer.status());
      // The first time the server completes the upload, but its answer never reaches the page.
      if (completes.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response: answer });
    });
    const objectInfo = recordObjectInfo(page);

    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForState(page, name, 'done');
    const key = await storedKey(page, name);
    expect(await storedMd5(key)).toBe(file.md5);
    // The first Complete worked on the server; the retry found the upload gone (NoSuchUpload, 404).
    expect(completes).toEqual([200, 404]);
    expect(objectInfo).toEqual([`${key} 200`]);
    expect(parts.count).toBe(2);
    expect(initiates.count).toBe(1);
    await context.close();
  });

  test('pause holds an upload and resume finishes it', async () => {
    const context = await browser.newContext();
    const page = await openApp(context);
    await throttleUploads(page, 6 * MiB);
    const file = await makeFile('pause-me.bin', 24 * MiB);
    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForPercent(page, 'pause-me.bin', 10);
    await page.screenshot({ path: screenshotPath('ui-uploading.png') });
    await page.getByRole('button', { name: 'Pause uploading pause-me.bin' }).click();
    await waitForState(page, 'pause-me.bin', 'paused');
    await page.getByRole('button', { name: 'Resume uploading pause-me.bin' }).click();
    await waitForState(page, 'pause-me.bin', 'done');
    expect(await storedMd5(await storedKey(page, 'pause-me.bin'))).toBe(file.md5);
    await context.close();
  });

  test('after the browser closes mid-upload, selecting the file again resumes it and discard forgets the other', async () => {
    const profile = join(app.tempDir, 'profile');
    // Several parts of the default size: the first are stored by about 40 %, and what is stored is not sent again.
    const resumeMe = await makeFile('resume-me.bin', 104 * MiB);
    const resumeMeParts = Math.ceil((104 * MiB) / DEFAULT_PART_SIZE);
    // Large enough that it cannot finish before resume-me reaches 35 % (they share the throttled link).
    const discardMe = await makeFile('discard-me.bin', 160 * MiB);

    const first = await chromium.launchPersistentContext(profile, { ...CHROMIUM, headless: true });
    const before = await openApp(first);
    await throttleUploads(before, 16 * MiB);
    const storedParts = countPartUploads(before, 'resume-me.bin');
    const firstInitiates = countInitiates(before, 'resume-me.bin');
    await before.locator('input[type=file]').first().setInputFiles([resumeMe.path, discardMe.path]);
    await waitForPercent(before, 'discard-me.bin', 1);
    await waitForPercent(before, 'resume-me.bin', 35);
    await expect.poll(() => storedParts.count, { timeout: 60_000 }).toBeGreaterThan(0);
    expect(firstInitiates.count).toBe(1);
    await first.close();

    const second = await chromium.launchPersistentContext(profile, { ...CHROMIUM, headless: true });
    const after = await openApp(second);
    const unfinished = after.locator('.ou-unfinished__item');
    await expect.poll(() => unfinished.count()).toBe(2);
    await expect.poll(() => after.locator('.ou-unfinished').textContent()).toContain('Select this file again to resume');
    const resumeEntry = unfinished.filter({ hasText: 'resume-me.bin' }).locator('.ou-unfinished__meta');
    expect(Number(/(\d+)% done/.exec((await resumeEntry.textContent()) ?? '')?.[1])).toBeGreaterThan(0);
    await after.screenshot({ path: screenshotPath('ui-unfinished.png') });

    await after.getByRole('button', { name: 'Discard the unfinished upload of discard-me.bin' }).click();
    await expect.poll(() => unfinished.count()).toBe(1);

    const resentParts = countPartUploads(after, 'resume-me.bin');
    const initiates = countInitiates(after, 'resume-me.bin');
    await after.locator('input[type=file]').first().setInputFiles(resumeMe.path);
    await waitForState(after, 'resume-me.bin', 'done');
    await expect.poll(() => row(after, 'resume-me.bin').locator('.ou-row__resumed').textContent()).toBe('Continued from an earlier upload');
    expect(resentParts.count).toBeGreaterThan(0);
    expect(resentParts.count).toBeLessThan(resumeMeParts);
    expect(initiates.count).toBe(0);
    expect(await storedMd5(await storedKey(after, 'resume-me.bin'))).toBe(resumeMe.md5);
    await expect.poll(() => unfinished.count()).toBe(0);

    // Discarded for good: a reload does not bring it back.
    await after.reload();
    await after.locator('.ou-drop__zone').waitFor();
    await expect.poll(() => after.locator('.ou-unfinished__item').count()).toBe(0);
    await second.close();
  });

  test('a file whose Complete answer was lost before the browser closed ends done when selected again, nothing sent', async () => {
    const profile = join(app.tempDir, 'profile-completed-away');
    const name = 'completed-away.bin';
    const file = await makeFile(name, DEFAULT_PART_SIZE + 3 * MiB);

    const first = await chromium.launchPersistentContext(profile, { ...CHROMIUM, headless: true });
    const before = await openApp(first);
    let completed = false;
    await before.route(uploadRequestsOf(name), async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      if (completed) return; // the retry never gets an answer: the browser closes while it waits
      const answer = await route.fetch();
      completed = answer.status() === 200;
      return route.abort('connectionreset');
    });
    await before.locator('input[type=file]').first().setInputFiles(file.path);
    await expect.poll(() => completed, { timeout: 60_000 }).toBe(true);
    await waitForState(before, name, 'completing');
    await first.close();

    const second = await chromium.launchPersistentContext(profile, { ...CHROMIUM, headless: true });
    const after = await openApp(second);
    await expect.poll(() => after.locator('.ou-unfinished__item').count()).toBe(1);
    const parts = countPartUploads(after, name);
    const initiates = countInitiates(after, name);
    const objectInfo = recordObjectInfo(after);
    await after.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForState(after, name, 'done');
    const key = await storedKey(after, name);
    expect(await storedMd5(key)).toBe(file.md5);
    expect(parts.count).toBe(0);
    expect(initiates.count).toBe(0);
    // Asked when ListParts found the upload gone, and again when Complete did.
    expect(objectInfo).toEqual([`${key} 200`, `${key} 200`]);
    await expect.poll(() => after.locator('.ou-unfinished__item').count()).toBe(0);
    await second.close();
  });

  test('ali-oss stays out of the page load: it is fetched in an idle moment after it, before a file is chosen', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/`);
    await page.locator('.ou-drop__zone').waitFor();
    // The built chunk is named after ali-oss's browser build (aliyun-oss-sdk).
    const timing = await page.evaluate(async () => {
      const isAliOss = (entry: PerformanceEntry): boolean => /ali-oss|aliyun-oss-sdk/.test(entry.name);
      const chunk =
        performance.getEntriesByType('resource').find(isAliOss) ??
        (await new Promise<PerformanceEntry>((resolve) => {
          new PerformanceObserver((list, observer) => {
            const found = list.getEntries().find(isAliOss);
            if (!found) return;
            observer.disconnect();
            resolve(found);
          }).observe({ type: 'resource', buffered: true });
        }));
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { chunkStart: chunk.startTime, loadEnd: navigation.loadEventEnd };
    });
    // Not part of the page's load, but there before the first file needs it.
    expect(timing.loadEnd).toBeGreaterThan(0);
    expect(timing.chunkStart).toBeGreaterThanOrEqual(timing.loadEnd);
    const file = await makeFile('first.bin', 1 * MiB);
    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForState(page, 'first.bin', 'done');
    await context.close();
  });

  test('a file can be chosen and uploaded with the keyboard alone', async () => {
    const context = await browser.newContext();
    // The file input path (browsers without showOpenFilePicker): Playwright sees its file chooser.
    await context.addInitScript(() => {
      delete (window as { showOpenFilePicker?: unknown }).showOpenFilePicker;
    });
    const page = await openApp(context);
    const file = await makeFile('keyboard.bin', 1 * MiB);
    // Listen first: Playwright turns on file chooser interception asynchronously, and on a busy
    // machine an Enter pressed right after could open the native (headless: silent) chooser instead.
    const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
    for (let presses = 0; presses < 5; presses += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.classList.contains('ou-drop__zone'))) break;
    }
    expect(await page.evaluate(() => document.activeElement?.classList.contains('ou-drop__zone'))).toBe(true);
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(file.path);
    await waitForState(page, 'keyboard.bin', 'done');
    expect(await storedMd5(await storedKey(page, 'keyboard.bin'))).toBe(file.md5);
    await context.close();
  });
});

/** Bytes that differ from part to part, so a part stored in the wrong place changes the MD5. */
function patternBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) bytes[i] = Math.imul(i, 2654435761) >>> 24;
  return bytes;
}

/** Writes `patternBytes(size)` to a file in the page's origin private file system (no dialog, no prompt). */
async function writeOpfsFile(page: Page, name: string, size: number): Promise<void> {
  await page.evaluate(
    async ([fileName, total]) => {
      const root = await navigator.storage.getDirectory();
      const writable = await (await root.getFileHandle(fileName, { create: true })).createWritable();
      const chunk = 1024 * 1024;
      for (let start = 0; start < total; start += chunk) {
        const bytes = new Uint8Array(Math.min(chunk, total - start));
        for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.imul(start + i, 2654435761) >>> 24;
        await writable.write(bytes);
      }
      await writable.close();
    },
    [name, size] as const,
  );
}

describe('one-click resume from saved file handles (Chromium)', () => {
  test('after a reload, Resume continues the same upload with no file dialog; refusals and a missing file are explained', async () => {
    const context = await browser.newContext();
    // showOpenFilePicker hands out files of the origin private file system, as a person picking them would.
    await context.addInitScript(() => {
      const picking = window as unknown as { showOpenFilePicker: () => Promise<FileSystemFileHandle[]>; nextPick?: string[] };
      picking.showOpenFilePicker = async () => {
        const root = await navigator.storage.getDirectory();
        return Promise.all((picking.nextPick ?? []).map((name) => root.getFileHandle(name)));
      };
    });
    const page = await openApp(context);
    const size = 48 * MiB; // more than one part of the default size
    await writeOpfsFile(page, 'handle-a.bin', size);
    await writeOpfsFile(page, 'handle-b.bin', size);
    const initiated = { count: 0 };
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).searchParams.has('uploads')) initiated.count += 1;
    });

    await throttleUploads(page, 16 * MiB);
    const storedParts = countPartUploads(page, 'handle-a.bin');
    await page.evaluate(() => {
      (window as unknown as { nextPick: string[] }).nextPick = ['handle-a.bin', 'handle-b.bin'];
    });
    await page.locator('.ou-drop__zone').click();
    await waitForState(page, 'handle-b.bin', 'uploading');
    await expect.poll(() => storedParts.count, { timeout: 60_000 }).toBeGreaterThan(0);
    expect(initiated.count).toBe(2);

    await page.reload();
    await page.locator('.ou-drop__zone').waitFor();
    await throttleUploads(page, -1);
    initiated.count = 0;
    const entry = (name: string): Locator => page.locator('.ou-unfinished__item', { hasText: name });
    await expect.poll(() => page.locator('.ou-unfinished__item [data-action=resume]').count()).toBe(2);

    // Read permission refused: said in the entry, which stays with the reselect hint.
    await page.evaluate(() => {
      const proto = FileSystemHandle.prototype as unknown as Record<string, unknown>;
      const saved = window as unknown as { savedPermissions: unknown[] };
      saved.savedPermissions = [proto.queryPermission, proto.requestPermission];
      proto.queryPermission = async () => 'prompt';
      proto.requestPermission = async () => 'denied';
    });
    await page.getByRole('button', { name: 'Resume the unfinished upload of handle-a.bin' }).click();
    await expect.poll(() => entry('handle-a.bin').locator('.ou-unfinished__error').textContent()).toContain('Permission to read this file was not given');
    expect(await entry('handle-a.bin').locator('.ou-unfinished__hint').textContent()).toBe('Select this file again to resume');
    await page.evaluate(() => {
      const proto = FileSystemHandle.prototype as unknown as Record<string, unknown>;
      const [query, request] = (window as unknown as { savedPermissions: unknown[] }).savedPermissions;
      proto.queryPermission = query;
      proto.requestPermission = request;
    });

    // The file is gone: said in the entry, which stays.
    await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry('handle-b.bin'));
    await page.getByRole('button', { name: 'Resume the unfinished upload of handle-b.bin' }).click();
    await expect.poll(() => entry('handle-b.bin').locator('.ou-unfinished__error').textContent()).toContain('no longer where it was');
    expect(await entry('handle-b.bin').locator('.ou-unfinished__hint').textContent()).toBe('Select this file again to resume');

    // Resume: no dialog, no new InitiateMultipartUpload, only the missing parts, byte for byte.
    const resentParts = countPartUploads(page, 'handle-a.bin');
    await page.getByRole('button', { name: 'Resume the unfinished upload of handle-a.bin' }).click();
    await waitForState(page, 'handle-a.bin', 'done');
    expect(initiated.count).toBe(0);
    expect(await row(page, 'handle-a.bin').locator('.ou-row__resumed').textContent()).toBe('Continued from an earlier upload');
    expect(resentParts.count).toBeGreaterThan(0);
    expect(resentParts.count).toBeLessThan(6);
    expect(await storedMd5(await storedKey(page, 'handle-a.bin'))).toBe(createHash('md5').update(patternBytes(size)).digest('hex'));
    await expect.poll(() => page.locator('.ou-unfinished__item').count()).toBe(1);
    await context.close();
  });
});

describe('the embed page', () => {
  test('uploads through the Vue component and through the custom element', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/examples/embed.html`);
    const viaVue = await makeFile('via-vue.bin', 1 * MiB);
    const viaElement = await makeFile('via-element.bin', 1 * MiB);
    await page.locator('#vue-host input[type=file]').first().setInputFiles(viaVue.path);
    await page.locator('oss-uploader input[type=file]').first().setInputFiles(viaElement.path);

    const log = page.locator('#event-log');
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toContain('vue success');
    await expect.poll(() => log.textContent(), { timeout: 60_000 }).toContain('element success');
    const entries = await log.locator('li').allTextContents();
    const keyOf = (source: string): string => {
      const entry = entries.find((text) => text.startsWith(`${source} success `)) ?? '';
      return (JSON.parse(entry.slice(`${source} success `.length)) as { key: string }).key;
    };
    expect(keyOf('vue')).toMatch(/\/vue\/via-vue\.bin$/);
    expect(keyOf('element')).toMatch(/\/via-element\.bin$/);
    expect(await storedMd5(keyOf('vue'))).toBe(viaVue.md5);
    expect(await storedMd5(keyOf('element'))).toBe(viaElement.md5);
    await context.close();
  });
});
