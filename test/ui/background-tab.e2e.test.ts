/**
 * A tab sent to the background in the middle of a multipart upload and frozen by the browser, as
 * Chrome does to hidden tabs (and on phones), with its part requests failing while it is frozen:
 * once the visitor is back, the failed parts are sent again and the file is stored byte for byte.
 *
 * The freeze is real and checked from inside the page: another tab is brought to the front (the
 * page becomes hidden), then `Page.setWebLifecycleState({ state: 'frozen' })` is sent through CDP
 * (the same page freeze Chrome applies itself; Chrome's own policy only freezes after minutes in the
 * background, so it is asked for here). The page records the `freeze` event, a 20 ms `setInterval`
 * counter does not advance at all while it is frozen, and the `resume` event comes only after
 * `state: 'active'`. The browser is reached through `launchChromiumOverCdp` (test/support/browsers.ts):
 * a page opened by `chromium.launch` never freezes, because Playwright's focus emulation keeps every
 * tab visible, and Chromium accepts the freeze request without doing anything.
 *
 * Both parts' first attempts are held unanswered by Playwright routing until the page is frozen, and
 * then failed as reset connections, so the page learns of the failures only when it resumes. Checked:
 * no part request is made while the page is frozen; each failed part is sent again after the resume
 * and stored (200); the object read back from the local OSS is the file. Not checked here: a hidden
 * tab that is only throttled (not frozen) while its requests fail.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page, Request } from 'playwright-core';
import { DEFAULT_PART_SIZE } from '../../src/engine/transfer/part-plan';
import { launchChromiumOverCdp, type ChromiumOverCdp } from '../support/browsers';
import { startAppStack, type AppStack } from './app-stack';

const MiB = 1024 * 1024;
const TICK_MS = 20;

let app: AppStack;
let chromium: ChromiumOverCdp;

beforeAll(async () => {
  app = await startAppStack();
  chromium = await launchChromiumOverCdp();
});

afterAll(async () => {
  await chromium?.close();
  await app?.close();
});

interface LifecycleEvent {
  type: string;
  /** The interval counter when the event fired. */
  ticks: number;
  /** Date.now() when the event fired. */
  at: number;
  visibility: DocumentVisibilityState;
}

interface LifecycleRecord {
  ticks: number;
  events: LifecycleEvent[];
}

declare global {
  interface Window {
    lifecycleRecord?: LifecycleRecord;
  }
}

/** Runs in the page before the app: a timer that cannot advance while the page is frozen, and the lifecycle events. */
function recordLifecycle(tickMs: number): void {
  const record: LifecycleRecord = { ticks: 0, events: [] };
  window.lifecycleRecord = record;
  setInterval(() => {
    record.ticks += 1;
  }, tickMs);
  for (const type of ['visibilitychange', 'freeze', 'resume']) {
    document.addEventListener(type, () => {
      record.events.push({ type, ticks: record.ticks, at: Date.now(), visibility: document.visibilityState });
    });
  }
}

/** Readable while the page is frozen too: CDP evaluation does not go through the page's frozen task queues. */
async function lifecycle(page: Page): Promise<LifecycleRecord & { now: number }> {
  return page.evaluate(() => ({ ...window.lifecycleRecord!, now: Date.now() }));
}

function lastEvent(record: LifecycleRecord, type: string): LifecycleEvent | undefined {
  return record.events.filter((event) => event.type === type).at(-1);
}

function row(page: Page, name: string) {
  return page.locator('.ou-list > .ou-row', { has: page.locator('.ou-row__name', { hasText: name }) });
}

test('a tab frozen in the background mid-upload, whose part requests fail meanwhile, sends them again after it resumes and stores the file', async () => {
  const name = 'frozen-40MiB.bin';
  const dir = join(app.tempDir, 'files');
  await mkdir(dir, { recursive: true });
  const size = DEFAULT_PART_SIZE + 8 * MiB;
  const parts = Math.ceil(size / DEFAULT_PART_SIZE);
  const bytes = randomBytes(size);
  await writeFile(join(dir, name), bytes);

  const { context } = chromium;
  const page = await context.newPage();
  await page.setViewportSize({ width: 1000, height: 760 });
  await page.addInitScript(recordLifecycle, TICK_MS);
  await page.goto(app.url);
  await page.locator('.ou-drop__zone').waitFor();
  const cdp = await context.newCDPSession(page);

  // Part requests (UploadPart: PUT with a partNumber) by phase. The first attempts are held
  // unanswered, so they are in flight when the page freezes; they are failed while it is frozen,
  // and routing ends there (Playwright's interception of a 32 MiB body takes seconds on a busy machine).
  type Phase = 'before' | 'frozen' | 'resumed';
  let phase = 'before' as Phase;
  const held: Array<{ part: string; fail: () => Promise<void> }> = [];
  const sent: Array<{ part: string; phase: Phase }> = [];
  const stored: Array<{ part: string; phase: Phase }> = [];
  const partOf = (request: Request): string | null => (request.method() === 'PUT' ? new URL(request.url()).searchParams.get('partNumber') : null);
  const toOss = (url: URL): boolean => url.origin !== new URL(app.url).origin;
  await page.route(toOss, async (route) => {
    const part = partOf(route.request());
    if (part === null) return route.continue();
    held.push({ part, fail: () => route.abort('connectionreset') });
  });
  page.on('request', (request) => {
    const part = partOf(request);
    if (part !== null) sent.push({ part, phase });
  });
  page.on('response', (response) => {
    const part = partOf(response.request());
    if (part !== null && response.status() === 200) stored.push({ part, phase });
  });

  await page.locator('input[type=file]').first().setInputFiles(join(dir, name));
  const partNumbers = Array.from({ length: parts }, (_, i) => String(i + 1));
  await expect.poll(() => [...new Set(held.map((h) => h.part))].sort(), { timeout: 90_000 }).toEqual(partNumbers);

  // The visitor switches to another tab: the page is hidden, then the browser freezes it.
  const other = await context.newPage();
  await other.bringToFront();
  await expect.poll(async () => lastEvent(await lifecycle(page), 'visibilitychange')?.visibility, { timeout: 10_000 }).toBe('hidden');
  phase = 'frozen';
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await expect.poll(async () => lastEvent(await lifecycle(page), 'freeze'), { timeout: 10_000 }).toBeDefined();
  const frozenAt = lastEvent(await lifecycle(page), 'freeze')!;
  expect(frozenAt.visibility).toBe('hidden');

  // While it is frozen the connections of the parts in flight are reset.
  for (const { fail } of held.splice(0)) await fail();
  await page.unroute(toOss);
  // Long enough that the 20 ms timer would have run many times, even at the once-a-second pace Chromium
  // allows hidden pages that are not frozen: it must not have run at all.
  await expect.poll(async () => (await lifecycle(page)).now - frozenAt.at, { timeout: 30_000 }).toBeGreaterThan(2_500);
  const whileFrozen = await lifecycle(page);
  expect(whileFrozen.ticks).toBe(frozenAt.ticks);
  expect(lastEvent(whileFrozen, 'resume')).toBeUndefined();
  expect(sent.filter((s) => s.phase !== 'before')).toEqual([]);

  // The visitor comes back: the page resumes and is shown again.
  phase = 'resumed';
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  await page.bringToFront();
  await expect.poll(async () => lastEvent(await lifecycle(page), 'resume'), { timeout: 10_000 }).toBeDefined();
  const resumedAt = lastEvent(await lifecycle(page), 'resume')!;
  expect(resumedAt.ticks).toBe(frozenAt.ticks);
  expect(resumedAt.at - frozenAt.at).toBeGreaterThan(2_500);
  await expect.poll(async () => lastEvent(await lifecycle(page), 'visibilitychange')?.visibility, { timeout: 10_000 }).toBe('visible');
  await expect.poll(async () => (await lifecycle(page)).ticks, { timeout: 10_000 }).toBeGreaterThan(frozenAt.ticks);

  await row(page, name).and(page.locator('[data-state="done"]')).waitFor({ timeout: 120_000 });
  // Every part failed while the page was frozen; each was sent again after it resumed, and stored then.
  expect([...new Set(sent.filter((s) => s.phase === 'resumed').map((s) => s.part))].sort()).toEqual(partNumbers);
  expect(stored.map((s) => s.phase)).toEqual(partNumbers.map(() => 'resumed'));
  expect([...stored.map((s) => s.part)].sort()).toEqual(partNumbers);

  const key = ((await row(page, name).locator('.ou-row__key').textContent()) ?? '').replace(/^Stored as /, '');
  const { content } = await app.rootClient().get(key);
  expect(Buffer.compare(content as Buffer, bytes)).toBe(0);
  await other.close();
  await page.close();
});
