/**
 * "Your uploads" on the real stack (local OSS with upload callbacks, token endpoint with records) in
 * Chromium: a multipart file and a small one are recorded with their original names through OSS's
 * callback, listed, downloaded byte for byte under their names, deleted (the object goes too), and a
 * second file of a taken name is stored under a numbered key, the first left as it was. And an upload
 * whose callback failed (203) and whose confirm never reached the server (the tab closed) is listed
 * the next time the visitor opens the page: the server reconciles the visitor's prefix in OSS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../support/browsers';
import { startAppStack, type AppStack } from './app-stack';
import { md5, storedObjectMd5, writeRandomFile } from './e2e-files';
import { DEFAULT_PART_SIZE } from '../../src/engine/transfer/part-plan';

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

/** The file is written in a folder of its own, so two files may share a name. */
const makeFile = (folder: string, name: string, size: number): Promise<{ path: string; md5: string }> => writeRandomFile(join(app.tempDir, 'files', folder), name, size);
const storedMd5 = (key: string): Promise<string> => storedObjectMd5(app.rootClient(), key);

function rows(page: Page, name: string): Locator {
  return page.locator('.ou-list > .ou-row', { has: page.locator('.ou-row__name', { hasText: name }) });
}

async function storedKeys(page: Page, name: string): Promise<string[]> {
  return (await rows(page, name).locator('.ou-row__key').allTextContents()).map((text) => text.replace(/^Stored as /, ''));
}

function uploadsPanel(page: Page): Locator {
  return page.locator('[data-testid="your-uploads"]');
}

function listed(page: Page, name: string): Locator {
  return uploadsPanel(page).locator('li', { has: page.locator('.ou-uploads__name', { hasText: name }) });
}

describe('Your uploads (app, Chromium, local stack)', () => {
  test('both uploads are listed by their names, download byte for byte, delete removes the object, a taken name gets a numbered key', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(app.url);
    await expect.poll(() => uploadsPanel(page).textContent()).toContain('Nothing uploaded yet.');

    const bigName = '报告 final.bin';
    const big = await makeFile('one', bigName, DEFAULT_PART_SIZE + 1024 * 1024);
    const small = await makeFile('one', 'notes.txt', 5000);
    await page.locator('input[type=file]').first().setInputFiles([big.path, small.path]);
    await rows(page, bigName).and(page.locator('[data-state="done"]')).waitFor({ timeout: 120_000 });
    await rows(page, 'notes.txt').and(page.locator('[data-state="done"]')).waitFor({ timeout: 120_000 });

    // Recorded through OSS's callback, with the original names, and listed (refreshed after each success).
    await listed(page, bigName).waitFor({ timeout: 30_000 });
    await listed(page, 'notes.txt').waitFor({ timeout: 30_000 });
    const [bigKey] = await storedKeys(page, bigName);
    const [smallKey] = await storedKeys(page, 'notes.txt');
    expect(await storedMd5(bigKey!)).toBe(big.md5);

    // Download: the presigned link is an attachment named like the file.
    for (const [name, file] of [[bigName, big], ['notes.txt', small]] as const) {
      const downloading = page.waitForEvent('download');
      await listed(page, name).getByRole('link', { name: `Download ${name}` }).click();
      const download = await downloading;
      expect(download.suggestedFilename()).toBe(name);
      expect(md5(await readFile((await download.path())!))).toBe(file.md5);
    }

    // A second file named notes.txt goes to "notes (1).txt"; the first object stays as it was.
    const again = await makeFile('two', 'notes.txt', 7000);
    await page.locator('input[type=file]').first().setInputFiles(again.path);
    await expect.poll(() => rows(page, 'notes.txt').and(page.locator('[data-state="done"]')).count(), { timeout: 120_000 }).toBe(2);
    const keys = await storedKeys(page, 'notes.txt');
    expect(keys).toEqual([smallKey, smallKey!.replace(/notes\.txt$/, 'notes (1).txt')]);
    expect(await storedMd5(smallKey!)).toBe(small.md5);
    expect(await storedMd5(keys[1]!)).toBe(again.md5);
    await expect.poll(() => listed(page, 'notes.txt').count(), { timeout: 30_000 }).toBe(2);

    // Delete: the item goes, and so does the object.
    await listed(page, bigName).getByRole('button', { name: `Delete ${bigName}` }).click();
    await expect.poll(() => listed(page, bigName).count()).toBe(0);
    await expect.poll(() => uploadsPanel(page).getByRole('status').textContent()).toBe(`${bigName} was deleted.`);
    await expect(app.rootClient().head(bigKey!)).rejects.toMatchObject({ status: 404 });
    await context.close();
  });

  test('callback failed (203), confirm blocked, tab closed: a new page lists the file', async () => {
    // A loopback port nobody listens on: OSS's callback to it fails, the object stays stored (203).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadCallbackUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/api/uploads/callback`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const context = await browser.newContext();
    const first = await context.newPage();
    await first.route('**/api/sts', async (route) => {
      const response = await route.fetch();
      const token = (await response.json()) as { callback?: string };
      const callback = JSON.parse(Buffer.from(token.callback!, 'base64').toString('utf8')) as Record<string, string>;
      token.callback = Buffer.from(JSON.stringify({ ...callback, callbackUrl: deadCallbackUrl })).toString('base64');
      await route.fulfill({ response, json: token });
    });
    const confirms: string[] = [];
    await first.route('**/api/uploads/confirm', async (route) => {
      confirms.push(route.request().postData() ?? '');
      await route.abort();
    });
    // This page does not list uploads either: the server has not looked at this visitor's prefix
    // yet when the new page opens (as when the visitor comes back later than the 30 s interval).
    await first.route(
      (url) => url.pathname === '/api/uploads',
      (route) => route.abort(),
    );
    await first.goto(app.url);
    const name = 'lost record 记录.bin';
    const file = await makeFile('lost', name, 300 * 1024);
    await first.locator('input[type=file]').first().setInputFiles(file.path);
    await rows(first, name).and(first.locator('[data-state="done"]')).waitFor({ timeout: 120_000 });
    const [key] = await storedKeys(first, name);
    expect(await storedMd5(key!)).toBe(file.md5);
    expect(confirms).toHaveLength(1);
    expect(JSON.parse(confirms[0]!)).toMatchObject({ key, name });
    await first.close();

    const again = await context.newPage();
    await again.goto(app.url);
    await listed(again, name).waitFor({ timeout: 30_000 });
    expect(await listed(again, name).locator('.ou-uploads__name').getAttribute('title')).toBe(name);
    await context.close();
  });
});
