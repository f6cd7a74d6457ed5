/**
 * Two tabs of one browser select the same file: the engine (`createUploader` with its browser
 * defaults: Web Locks, IndexedDB, XHR) lets only one of them upload it. The second waits as
 * `elsewhere`; once the first pauses it continues the same server upload, and once the first has
 * finished it sends nothing and reports the stored object. Real Chromium, two pages of one browser
 * context, against the local OSS server; the token endpoint's object-info route is stood in for by
 * the test process (`headObject`, a HEAD with the root key).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browsers';
import type { ObjectInfoResponse } from '../../src/shared/token-response';
import type { Core } from './core-harness/core-harness';
import { BUCKET, expectedBytes, sha256, startCoreE2eStack, type CoreE2eStack } from './support/core-e2e-stack';

const PREFIX = 'tabs/';
const MiB = 1024 * 1024;

interface OssRequest {
  tab: 'first' | 'second';
  method: string;
  url: URL;
}

let stack: CoreE2eStack;
let browser: Browser;
let context: BrowserContext;
let first: Page;
let second: Page;
let requests: OssRequest[] = [];

const rootClient = () => stack.rootClient();

/** What the token endpoint's object-info route answers, from a HEAD with the root key. */
async function headObject(key: string): Promise<ObjectInfoResponse> {
  try {
    const { res } = await rootClient().head(key);
    const headers = res.headers as Record<string, string | undefined>;
    return { exists: true, size: Number(headers['content-length']), crc64: headers['x-oss-hash-crc64ecma'] ?? null, etag: headers.etag ?? null };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { exists: false };
    throw error;
  }
}

function ofTab(tab: OssRequest['tab'], key: string, method: string, has: string): OssRequest[] {
  return requests.filter((r) => r.tab === tab && r.method === method && r.url.pathname === `/${BUCKET}/${key}` && r.url.searchParams.has(has));
}

function partNumbers(list: OssRequest[]): number[] {
  return list.map((r) => Number(r.url.searchParams.get('partNumber'))).sort((a, b) => a - b);
}

async function openTab(tab: OssRequest['tab']): Promise<Page> {
  const page = await context.newPage();
  await page.exposeFunction('assumeRole', () => stack.assumeRole());
  await page.exposeFunction('headObject', headObject);
  const ossOrigin = new URL(stack.oss.url).origin;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === ossOrigin && request.method() !== 'OPTIONS') requests.push({ tab, method: request.method(), url });
  });
  await page.goto(stack.harness.pageUrl);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  return page;
}

/** The first tab starts `name` and holds its parts above 2 until `core.state.transport.release()`. */
type LockKind = 'web locks' | 'broadcast channel';

async function startHeld(name: string, size: number, seed: number, kind: LockKind): Promise<void> {
  await first.evaluate(
    async ({ name, size, seed, kind }) => {
      const { core } = window as unknown as { core: Core };
      const transport = core.holdPartsAbove(2);
      const uploader = await core.createUploader({
        getCredentials: core.getCredentials,
        objectInfo: core.objectInfoFromTest,
        partSize: 1024 * 1024,
        parallel: 2,
        transport,
        ...(kind === 'broadcast channel' ? { locks: core.createChannelLocks() } : {}),
      });
      const upload = uploader.add(core.makeFile(size, name, seed));
      core.state = { uploader, upload, transport };
      await core.whenCheckpointHas(name, 2);
    },
    { name, size, seed, kind },
  );
}

/** The second tab selects the same file; resolves with the first state its upload moves to. */
async function selectInSecondTab(name: string, size: number, seed: number, kind: LockKind): Promise<string> {
  return second.evaluate(
    async ({ name, size, seed, kind }) => {
      const { core } = window as unknown as { core: Core };
      const uploader = await core.createUploader({
        getCredentials: core.getCredentials,
        objectInfo: core.objectInfoFromTest,
        partSize: 1024 * 1024,
        ...(kind === 'broadcast channel' ? { locks: core.createChannelLocks() } : {}),
      });
      const upload = uploader.add(core.makeFile(size, name, seed));
      core.state = { uploader, upload };
      // Its first move away from queued: elsewhere, or preparing when nothing held it back.
      return new Promise<string>((resolve) => {
        const off = upload.on('state', (s) => {
          off();
          resolve(s.state);
        });
      });
    },
    { name, size, seed, kind },
  );
}

async function finishedIn(page: Page) {
  return page.evaluate(async () => {
    const { core } = window as unknown as { core: Core };
    const result = await core.state.upload!.finished;
    core.state.uploader!.destroy();
    return { result, snapshot: core.state.upload!.snapshot() };
  });
}

beforeAll(async () => {
  stack = await startCoreE2eStack({ prefix: PREFIX, name: 'tabs-e2e' });
  browser = await launchChromium();
  context = await browser.newContext();
  first = await openTab('first');
  second = await openTab('second');
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

beforeEach(() => {
  requests = [];
});

// Web Locks as Chromium has them, and the BroadcastChannel stand-in used where they are missing.
describe.each<LockKind>(['web locks', 'broadcast channel'])('the same file selected in two tabs of one browser (%s)', (kind) => {
  const tag = kind === 'web locks' ? 'wl' : 'bc';
  it('uploads in one tab only; the other waits as elsewhere and continues the same upload once the first pauses', async () => {
    const size = 6 * MiB;
    const name = `paused-elsewhere-${tag}.bin`;
    const key = `${PREFIX}${name}`;
    await startHeld(name, size, 7, kind);
    expect(await selectInSecondTab(name, size, 7, kind)).toBe('elsewhere');
    expect(requests.filter((r) => r.tab === 'second')).toEqual([]);

    await first.evaluate(() => {
      const { core } = window as unknown as { core: Core };
      core.state.upload!.pause();
      core.state.transport!.release();
    });
    const { result, snapshot } = await finishedIn(second);

    expect(snapshot).toMatchObject({ state: 'done', resumed: true });
    expect(result).toMatchObject({ key, size });
    // One Initiate in all, and each part sent once: the second tab went on with the first's upload.
    expect(requests.filter((r) => r.method === 'POST' && r.url.searchParams.has('uploads'))).toHaveLength(1);
    expect(partNumbers(ofTab('first', key, 'PUT', 'partNumber'))).toEqual([1, 2]);
    expect(partNumbers(ofTab('second', key, 'PUT', 'partNumber'))).toEqual([3, 4, 5, 6]);
    const stored = await rootClient().get(key);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expectedBytes(size, 7)));
  });

  it('sends nothing from the waiting tab when the first one finishes the file', async () => {
    const size = 4 * MiB;
    const name = `done-elsewhere-${tag}.bin`;
    const key = `${PREFIX}${name}`;
    await startHeld(name, size, 8, kind);
    expect(await selectInSecondTab(name, size, 8, kind)).toBe('elsewhere');

    await first.evaluate(() => (window as unknown as { core: Core }).core.state.transport!.release());
    const [firstDone, secondDone] = await Promise.all([finishedIn(first), finishedIn(second)]);

    expect(secondDone.snapshot.state).toBe('done');
    expect(secondDone.result).toMatchObject({ key, size, crc64: firstDone.result.crc64 });
    expect(requests.filter((r) => r.tab === 'second' && (r.method === 'PUT' || r.method === 'POST')).map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([]);
  });
});
