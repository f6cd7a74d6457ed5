/**
 * A background tab in the middle of an upload, with its requests failing while it is away: once
 * back, the failed parts are sent again and the file is stored byte for byte. The page is asked to
 * freeze through CDP (`Page.setWebLifecycleState`), as Chrome does to hidden tabs and on phones, but
 * headless Chromium accepts the command without freezing (timers keep running, no `freeze` event):
 * what this checks is the failed requests and their retry, not a real freeze.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../support/browsers';
import { startAppStack, type AppStack } from './app-stack';

const MiB = 1024 * 1024;

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

function row(page: Page, name: string) {
  return page.locator('.ou-list > .ou-row', { has: page.locator('.ou-row__name', { hasText: name }) });
}

test('a page frozen mid-upload whose requests fail meanwhile finishes the upload after it resumes', async () => {
  const name = 'frozen-40MiB.bin';
  const dir = join(app.tempDir, 'files');
  await mkdir(dir, { recursive: true });
  const bytes = randomBytes(40 * MiB);
  await writeFile(join(dir, name), bytes);

  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  await page.goto(app.url);
  await page.locator('.ou-drop__zone').waitFor();
  const cdp = await context.newCDPSession(page);

  // The first uploads (PutObject or UploadPart) are held unanswered, so they are in flight when the
  // page freezes; they are then failed while it is frozen. Later ones go through.
  const held: Array<() => Promise<void>> = [];
  let holding = true;
  await page.route(
    (url) => url.origin !== new URL(app.url).origin,
    async (route) => {
      if (route.request().method() !== 'PUT' || !holding) return route.continue();
      held.push(() => route.abort('connectionreset'));
    },
  );

  await page.locator('input[type=file]').first().setInputFiles(join(dir, name));
  await expect.poll(() => held.length, { timeout: 60_000 }).toBeGreaterThan(0);

  // Debian's headless Chromium accepts this but does not freeze the page (timers keep running, no
  // freeze/resume events), so here the request failure and the retry after it are what is tested.
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  holding = false;
  const failed = held.splice(0);
  for (const fail of failed) await fail();
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });

  await row(page, name).and(page.locator('[data-state="done"]')).waitFor({ timeout: 120_000 });
  const key = ((await row(page, name).locator('.ou-row__key').textContent()) ?? '').replace(/^Stored as /, '');
  const { content } = await app.rootClient().get(key);
  expect(createHash('md5').update(content as Buffer).digest('hex')).toBe(createHash('md5').update(bytes).digest('hex'));
  await context.close();
});
