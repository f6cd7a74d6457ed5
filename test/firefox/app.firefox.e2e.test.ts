/**
 * The app in Firefox ESR (puppeteer-core over WebDriver BiDi) against the whole local stack, as
 * `npm start` serves it: a multipart upload arrives byte for byte, pause and resume send every part
 * once, Firefox killed mid-upload and started again on the same profile continues the same upload
 * when the file is selected again, and without the File System Access API the page falls back to
 * the file input and to "select the file again".
 *
 * No throttling (WebDriver BiDi can take a page offline, not slow it down): part uploads are held
 * back by request interception, so "halfway through" is a part boundary, and every count below is exact.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { launchFirefox } from '../support/browsers';
import { startAppStack, type AppStack } from '../ui/app-stack';
import { storedObjectMd5, writeRandomFile } from '../ui/e2e-files';
import { DEFAULT_PART_SIZE } from '../../src/engine/transfer/part-plan';
import {
  checkpointedParts,
  clickButton,
  holdParts,
  killFirefox,
  openApp,
  rowText,
  storedKey,
  until,
  waitForState,
  watchOss,
} from './firefox-page';

const MiB = 1024 * 1024;
/** Three parts of the page's default part size, the last one short. */
const THREE_PARTS = 2 * DEFAULT_PART_SIZE + 5 * MiB;

let app: AppStack;
let browser: Browser;

beforeAll(async () => {
  app = await startAppStack();
  browser = await launchFirefox();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh context per test: its own IndexedDB, so no test sees another's unfinished uploads. */
function freshContext(): Promise<BrowserContext> {
  return browser.createBrowserContext();
}

const makeFile = (name: string, size: number): Promise<{ path: string; md5: string }> => writeRandomFile(join(app.tempDir, 'files'), name, size);
const storedMd5 = (key: string): Promise<string> => storedObjectMd5(app.rootClient(), key);

const sorted = (numbers: readonly number[]): number[] => [...numbers].sort((a, b) => a - b);

describe('the upload page in Firefox', () => {
  test('a file of three parts picked on the page is stored byte for byte, each part sent once', async () => {
    const context = await freshContext();
    const page = await openApp(context, app.url);
    const name = 'firefox-three-parts.bin';
    const file = await makeFile(name, THREE_PARTS);
    const traffic = watchOss(page, name);

    const input = await page.$('input[type=file]');
    await input!.uploadFile(file.path);
    await waitForState(page, name, 'done');

    expect(await storedMd5(await storedKey(page, name))).toBe(file.md5);
    expect(traffic.initiates).toBe(1);
    expect(sorted(traffic.storedParts)).toEqual([1, 2, 3]);
    await context.close();
  });

  test('pause holds an upload and resume finishes it, every part stored once', async () => {
    const context = await freshContext();
    const page = await openApp(context, app.url);
    const name = 'firefox-pause.bin';
    const file = await makeFile(name, THREE_PARTS);
    const traffic = watchOss(page, name);
    // Part 1 goes through; parts 2 and 3 are started by the page but wait at the gate.
    const gate = await holdParts(page, name, (part) => part >= 2);

    await (await page.$('input[type=file]'))!.uploadFile(file.path);
    await until(() => ({ stored: [...traffic.storedParts], held: sorted(gate.held) }), (seen) => seen.stored.length === 1 && seen.held.length === 2, 'part 1 stored, parts 2 and 3 held');
    expect(traffic.storedParts).toEqual([1]);

    await clickButton(page, `Pause uploading ${name}`);
    await waitForState(page, name, 'paused');
    const requestsAtPause = traffic.requestedParts.length;
    // What was held when the pause came never reaches the server (the page has given up on it anyway).
    await gate.drop();
    await gate.open();
    expect(await rowText(page, name, '.ou-row__state')).toBe('Paused');
    // Paused means paused: no part upload started since.
    expect(traffic.requestedParts).toHaveLength(requestsAtPause);
    expect(traffic.storedParts).toEqual([1]);

    await clickButton(page, `Resume uploading ${name}`);
    await waitForState(page, name, 'done');
    expect(await storedMd5(await storedKey(page, name))).toBe(file.md5);
    expect(traffic.initiates).toBe(1);
    // After the resume only parts 2 and 3 were sent (part 1 is not sent again), and each part is stored once.
    expect(sorted(traffic.requestedParts.slice(requestsAtPause))).toEqual([2, 3]);
    expect(traffic.storedParts[0]).toBe(1);
    expect(sorted(traffic.storedParts)).toEqual([1, 2, 3]);
    await context.close();
  });

  test('without showOpenFilePicker the drop zone opens the file input, and an unfinished upload says to select the file again', async () => {
    const context = await freshContext();
    const first = await openApp(context, app.url);
    // The fallback is what Firefox has, not something this test arranged.
    expect(await first.evaluate(() => typeof (window as { showOpenFilePicker?: unknown }).showOpenFilePicker)).toBe('undefined');
    const name = 'firefox-fallback.bin';
    const file = await makeFile(name, DEFAULT_PART_SIZE + 1 * MiB);
    const before = watchOss(first, name);
    const gate = await holdParts(first, name, (part) => part >= 2);

    // Clicking the drop zone opens the native file dialog of the page's <input type=file>.
    const [chooser] = await Promise.all([first.waitForFileChooser({ timeout: 30_000 }), first.click('.ou-drop__zone')]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.accept([file.path]);
    await until(() => ({ stored: [...before.storedParts], held: [...gate.held] }), (seen) => seen.stored.length === 1 && seen.held.length === 1, 'part 1 stored, part 2 held');
    await until(() => checkpointedParts(first, name), (parts) => parts === 1, 'part 1 in the checkpoint');
    await gate.drop();
    // The tab is closed; the same browser profile opens the page again.
    await first.close();

    const page = await openApp(context, app.url);
    const entry = await page.waitForSelector('.ou-unfinished__item', { timeout: 20_000 });
    expect(await page.$$eval('.ou-unfinished__item', (items) => items.length)).toBe(1);
    expect(await entry!.$eval('.ou-unfinished__name', (element) => element.textContent)).toBe(name);
    expect(await entry!.$eval('.ou-unfinished__hint', (element) => element.textContent)).toBe('Select this file again to resume');
    expect(await entry!.$eval('.ou-unfinished__meta', (element) => element.textContent)).toMatch(/[1-9]\d*% done/);
    // No handle was saved (files come from the input), so no one-click Resume: only Discard.
    expect(await page.$$('.ou-unfinished__item [data-action=resume]')).toHaveLength(0);
    expect(await entry!.$$eval('button', (buttons) => buttons.map((button) => button.getAttribute('data-action')))).toEqual(['discard']);
    expect(await page.$eval('.ou-unfinished__intro', (element) => element.textContent)).toContain('Select the same file again to continue it.');
    // IndexedDB works in Firefox: no "this browser cannot remember uploads" note.
    expect(await page.$$eval('.ou-note', (notes) => notes.map((note) => note.textContent ?? ''))).not.toContainEqual(expect.stringContaining('cannot remember'));

    const after = watchOss(page, name);
    const [again] = await Promise.all([page.waitForFileChooser({ timeout: 30_000 }), page.click('.ou-drop__zone')]);
    await again.accept([file.path]);
    await waitForState(page, name, 'done');
    expect(await rowText(page, name, '.ou-row__resumed')).toBe('Continued from an earlier upload');
    expect(after.initiates).toBe(0);
    expect(after.requestedParts).toEqual([2]);
    expect(after.storedParts).toEqual([2]);
    expect(await storedMd5(await storedKey(page, name))).toBe(file.md5);
    await until(() => page.$$('.ou-unfinished__item').then((items) => items.length), (count) => count === 0, 'the unfinished entry to go');
    await context.close();
  });
});

describe('Firefox killed mid-upload', () => {
  test('started again on the same profile, the file selected again continues the same upload: no new Initiate, only the missing parts', async () => {
    const profile = join(app.tempDir, 'firefox-profile');
    await mkdir(profile, { recursive: true });
    const name = 'firefox-crash.bin';
    const file = await makeFile(name, THREE_PARTS);

    const crashing = await launchFirefox({ userDataDir: profile });
    let restarted: Browser | undefined;
    try {
      const before = await openApp(crashing, app.url);
      const first = watchOss(before, name);
      const gate = await holdParts(before, name, (part) => part >= 2);
      await (await before.$('input[type=file]'))!.uploadFile(file.path);
      await until(() => ({ stored: [...first.storedParts], held: sorted(gate.held) }), (seen) => seen.stored.length === 1 && seen.held.length === 2, 'part 1 stored, parts 2 and 3 held');
      await until(() => checkpointedParts(before, name), (parts) => parts === 1, 'part 1 in the checkpoint');
      expect(first.initiates).toBe(1);
      // Parts 2 and 3 are still waiting at the gate when the browser dies.
      await killFirefox(crashing);

      restarted = await launchFirefox({ userDataDir: profile });
      const after = await openApp(restarted, app.url);
      await after.waitForSelector('.ou-unfinished__item', { timeout: 20_000 });
      expect(await after.$$eval('.ou-unfinished__item .ou-unfinished__name', (names) => names.map((item) => item.textContent))).toEqual([name]);

      const second = watchOss(after, name);
      await (await after.$('input[type=file]'))!.uploadFile(file.path);
      await waitForState(after, name, 'done');
      expect(await rowText(after, name, '.ou-row__resumed')).toBe('Continued from an earlier upload');
      expect(second.initiates).toBe(0);
      expect(sorted(second.requestedParts)).toEqual([2, 3]);
      expect(sorted(second.storedParts)).toEqual([2, 3]);
      expect(await storedMd5(await storedKey(after, name))).toBe(file.md5);
    } finally {
      await crashing.close().catch(() => undefined);
      await restarted?.close();
    }
  });
});
