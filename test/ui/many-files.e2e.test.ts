/**
 * Thousands of files at once, in Debian's Chromium against the whole local stack: a folder of 2,000
 * small files picked in the app, and the same in the `<oss-uploader>` custom element. Every file
 * arrives byte for byte; what a selection of many files costs is checked by structure, not by the
 * clock (the machine is shared): the list keeps a bounded number of rows in the DOM, small files go
 * as one PutObject each with no multipart set-up, several go at once across files within the
 * parallel limit, and none touches IndexedDB. Timings are in the bench (`npm run bench`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_PARALLEL } from '../../src/engine/create-uploader';
import { chromiumLaunchOptions } from '../support/browsers';
import { startAppStack, type AppStack } from './app-stack';

const FILES = 2_000;
const FILE_BYTES = 4 * 1024;
/** Rows in view plus the overscan either side: far below the file count whatever the screen. */
const MAX_ROWS_IN_DOM = 100;

let app: AppStack;
let browser: Browser;

beforeAll(async () => {
  app = await startAppStack();
  browser = await chromium.launch(chromiumLaunchOptions());
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A folder of `FILES` random files; their MD5s by name. */
async function makeFolder(name: string): Promise<{ path: string; md5s: Map<string, string> }> {
  const path = join(app.tempDir, name);
  await mkdir(path, { recursive: true });
  const md5s = new Map<string, string>();
  for (let i = 0; i < FILES; i++) {
    const file = `photo-${String(i).padStart(5, '0')}.jpg`;
    const bytes = randomBytes(FILE_BYTES);
    await writeFile(join(path, file), bytes);
    md5s.set(file, createHash('md5').update(bytes).digest('hex'));
  }
  return { path, md5s };
}

interface PageCounters {
  xhrInFlight: number;
  maxXhrInFlight: number;
  idbTransactions: number;
  maxRowsInDom: number;
}

/**
 * Counts, in the page: XHRs in flight (part and object PUTs go by XHR), IndexedDB transactions,
 * and the most upload rows in the DOM at once (in the page and in any open shadow root).
 */
function instrument(): void {
  const counters: PageCounters = { xhrInFlight: 0, maxXhrInFlight: 0, idbTransactions: 0, maxRowsInDom: 0 };
  (window as unknown as { __counters: PageCounters }).__counters = counters;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (this: XMLHttpRequest, ...args: Parameters<XMLHttpRequest['send']>) {
    counters.xhrInFlight += 1;
    counters.maxXhrInFlight = Math.max(counters.maxXhrInFlight, counters.xhrInFlight);
    this.addEventListener('loadend', () => (counters.xhrInFlight -= 1), { once: true });
    return send.apply(this, args);
  };
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    counters.idbTransactions += 1;
    return transaction.apply(this, args);
  };
  const countRows = (): void => {
    let rows = document.querySelectorAll('.ou-row').length;
    for (const host of document.querySelectorAll('oss-uploader')) rows += host.shadowRoot?.querySelectorAll('.ou-row').length ?? 0;
    counters.maxRowsInDom = Math.max(counters.maxRowsInDom, rows);
  };
  new MutationObserver(countRows).observe(document, { childList: true, subtree: true });
  setInterval(countRows, 50);
}

interface Requests {
  puts: string[];
  /** InitiateMultipartUpload, ListParts, Complete, Abort: anything multipart. */
  multipart: string[];
}

/** Requests to the storage service, by kind. */
function recordStorageRequests(page: Page): Requests {
  const requests: Requests = { puts: [], multipart: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) return;
    if (url.searchParams.has('uploads') || url.searchParams.has('uploadId')) requests.multipart.push(`${request.method()} ${url.pathname}${url.search}`);
    else if (request.method() === 'PUT') requests.puts.push(decodeURIComponent(url.pathname));
  });
  return requests;
}

async function counters(page: Page): Promise<PageCounters> {
  return page.evaluate(() => ({ ...(window as unknown as { __counters: PageCounters }).__counters }));
}

/** Every stored object under `prefix`, name → ETag without quotes (a PutObject's ETag is its MD5). */
async function storedEtags(prefix: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let marker: string | undefined;
  for (;;) {
    const page = await app.rootClient().list({ prefix, 'max-keys': 1000, ...(marker ? { marker } : {}) }, {});
    for (const object of page.objects ?? []) found.set(object.name.slice(prefix.length), object.etag.replace(/"/g, '').toLowerCase());
    if (!page.isTruncated) return found;
    marker = page.nextMarker;
  }
}

/** Waits until the totals say every file is finished, and returns the key of the first stored row. */
async function waitForAllDone(page: Page): Promise<string> {
  await page.locator('.ou-totals__files', { hasText: `Files: ${FILES} of ${FILES} finished` }).waitFor({ timeout: 170_000 });
  const text = (await page.locator('.ou-row__key').first().textContent()) ?? '';
  return text.replace(/^Stored as /, '');
}

/** The checks shared by both pages, once every file is finished. */
async function expectStoredAsSmallFiles(page: Page, requests: Requests, folder: { md5s: Map<string, string> }, firstKey: string, folderName: string): Promise<void> {
  const seen = await counters(page);
  // Virtualised: a bounded number of rows in the DOM, at every moment of the upload.
  expect(seen.maxRowsInDom).toBeGreaterThan(0);
  expect(seen.maxRowsInDom).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
  // Small files: one PutObject each, no multipart set-up, no checkpoint, several files at once.
  expect(requests.multipart).toEqual([]);
  expect(new Set(requests.puts).size).toBe(FILES);
  expect(seen.idbTransactions).toBe(0);
  expect(seen.maxXhrInFlight).toBeGreaterThan(1);
  expect(seen.maxXhrInFlight).toBeLessThanOrEqual(DEFAULT_PARALLEL);
  // Byte for byte: each stored object's MD5 is the local file's.
  const prefix = firstKey.slice(0, firstKey.indexOf(`${folderName}/`) + folderName.length + 1);
  const stored = await storedEtags(prefix);
  expect(stored.size).toBe(FILES);
  for (const [name, md5] of folder.md5s) expect(stored.get(name), name).toBe(md5);
}

/** Screen readers hear each rendered row's place in the whole list, and the keyboard reaches the last row. */
async function expectKeyboardReachesTheEnd(page: Page): Promise<void> {
  const region = page.locator('.ou-list-scroller');
  const first = page.locator('.ou-list > .ou-row').first();
  expect(await first.getAttribute('aria-posinset')).toBe('1');
  expect(await first.getAttribute('aria-setsize')).toBe(String(FILES));
  await region.focus();
  await page.keyboard.press('End');
  const last = page.locator(`.ou-list > .ou-row[aria-posinset="${FILES}"]`);
  await last.waitFor({ timeout: 10_000 });
  expect(await page.locator('.ou-list > .ou-row').count()).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
}

describe('a selection of thousands of files', () => {
  test(`a folder of ${FILES.toLocaleString('en')} small files picked in the app: all stored byte for byte, few rows in the DOM, no multipart set-up`, { timeout: 300_000 }, async () => {
    const folder = await makeFolder('app-folder');
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.addInitScript(instrument);
    const page = await context.newPage();
    await page.goto(app.url);
    await page.locator('.ou-drop__zone').waitFor();
    // The engine is ready (it reads IndexedDB once at start): only what the selection costs is counted.
    await page.waitForFunction(() => (window as unknown as { __counters: PageCounters }).__counters.idbTransactions > 0);
    await page.waitForTimeout(500);
    await page.evaluate(() => ((window as unknown as { __counters: PageCounters }).__counters.idbTransactions = 0));
    const requests = recordStorageRequests(page);

    await page.locator('input[type=file][webkitdirectory]').setInputFiles(folder.path, { timeout: 120_000 });
    const firstKey = await waitForAllDone(page);

    await expectStoredAsSmallFiles(page, requests, folder, firstKey, 'app-folder');
    await expectKeyboardReachesTheEnd(page);
    await context.close();
  });

  test('the same in the <oss-uploader> custom element', { timeout: 300_000 }, async () => {
    const folder = await makeFolder('element-folder');
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.addInitScript(instrument);
    const page = await context.newPage();
    await page.goto(`${app.url}/examples/embed.html`);
    const element = page.locator('#element-uploader');
    await element.locator('.ou-drop__zone').waitFor();
    await page.waitForFunction(() => (window as unknown as { __counters: PageCounters }).__counters.idbTransactions > 0);
    await page.waitForTimeout(500);
    await page.evaluate(() => ((window as unknown as { __counters: PageCounters }).__counters.idbTransactions = 0));
    const requests = recordStorageRequests(page);

    await element.locator('input[type=file][webkitdirectory]').setInputFiles(folder.path, { timeout: 120_000 });
    await element.locator('.ou-totals__files', { hasText: `Files: ${FILES} of ${FILES} finished` }).waitFor({ timeout: 170_000 });
    const firstKey = ((await element.locator('.ou-row__key').first().textContent()) ?? '').replace(/^Stored as /, '');

    await expectStoredAsSmallFiles(page, requests, folder, firstKey, 'element-folder');
    await context.close();
  });
});
