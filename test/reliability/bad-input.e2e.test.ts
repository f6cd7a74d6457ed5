/**
 * Bad input and a hostile environment, through the real engine in Chromium against the local OSS:
 * a file that changed since its checkpoint, a 0-byte file, hostile and exotic names, deep folder
 * paths, no IndexedDB, a failing token endpoint, and a full disk on the server. Each must end in a
 * clear result for the API caller (a notice or an UploadErrorCode), with nothing mixed, nothing
 * lost and nothing stored outside the caller's prefix.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import type { Outcome, Rel, StartOptions } from './page/reliability-page';
import { MiB, PREFIX, allKeys, expectedBytes, launchChromium, sha256, startReliabilityEnv, storedSha256, type ReliabilityEnv } from './support/env';

const PART = 256 * 1024;
const FAST_RETRY = { delays: [100, 200, 400, 800, 1600, 3200] };

let env: ReliabilityEnv;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  env = await startReliabilityEnv(3);
  browser = await launchChromium();
  page = await browser.newPage();
  await env.openHarness(page);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

beforeEach(async () => {
  // One page for the whole file (a page load costs more than most tests here); each `start`
  // replaces the page's uploader, so only routes and listeners need undoing.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.removeAllListeners('response');
  await env.resetProxy(3);
  env.disk.full = false;
});

/** The page's `window.rel`, called from the test process. */
interface RelCalls {
  start(options: StartOptions): Promise<unknown>;
  outcome(): Promise<Outcome>;
  whenUploaded(bytes: number): Promise<unknown>;
}

const rel = (p: Page = page): RelCalls => ({
  start: (o: StartOptions) => p.evaluate((options) => (window as unknown as { rel: Rel }).rel.start(options), o),
  outcome: (): Promise<Outcome> => p.evaluate(() => (window as unknown as { rel: Rel }).rel.outcome()),
  whenUploaded: (bytes: number) => p.evaluate((b) => (window as unknown as { rel: Rel }).rel.whenUploaded(b), bytes),
});

async function expectStored(key: string, size: number, seed: number): Promise<void> {
  expect(await storedSha256(env, key)).toBe(sha256(expectedBytes(size, seed)));
}

describe('a file that changed since its checkpoint', () => {
  it.each([
    { change: 'other bytes, same name, size and date', seed: 32, lastModified: 1_700_000_000_000 },
    { change: 'same bytes, another modification date', seed: 31, lastModified: 1_700_000_999_000 },
  ])('$change → a new upload with a FILE_CHANGED notice, the old one untouched', async ({ seed, lastModified }) => {
    const name = `changed-${seed}.bin`;
    const first: StartOptions = { size: 4 * MiB, name, seed: 31, partSize: PART, parallel: 2, lastModified: 1_700_000_000_000 };
    env.proxy.setFaults({ latencyMs: 50 });
    await rel().start(first);
    await page.evaluate((n) => (window as unknown as { rel: Rel }).rel.whenCheckpointHas(n, 2), name);
    // The page goes away mid-upload: the checkpoint stays behind in IndexedDB.
    await env.openHarness(page);
    env.proxy.setFaults({ latencyMs: 0 });

    const second: StartOptions = { ...first, seed, lastModified };
    await rel().start(second);
    const result = await rel().outcome();
    const unfinished = await page.evaluate(() => (window as unknown as { rel: Rel }).rel.listUnfinished());

    expect(result.error).toBeNull();
    expect(result.snapshot.resumed).toBe(false);
    expect(result.snapshot.notices.map((n) => n.code)).toContain('FILE_CHANGED');
    // Only the new file's bytes: no part of the old upload was mixed in.
    await expectStored(`${PREFIX}${name}`, second.size, seed);
    // The old upload stays listed, so the caller can still resume or discard it.
    expect(unfinished.filter((u) => u.name === name)).toHaveLength(1);
  });
});

describe('sizes and names', () => {
  it('a 0-byte file is stored as an empty object', async () => {
    await rel().start({ size: 0, name: 'empty.txt', seed: 1 });
    const result = await rel().outcome();
    expect(result.error).toBeNull();
    expect(result.result).toMatchObject({ key: `${PREFIX}empty.txt`, size: 0 });
    const stored = await env.rootClient().get(`${PREFIX}empty.txt`);
    expect((stored.content as Buffer).length).toBe(0);
  });

  /** A key that is safe to show and to store: under the prefix, no traversal, no control characters. */
  function expectSafeKey(key: string): void {
    expect(key.startsWith(PREFIX)).toBe(true);
    const rest = key.slice(PREFIX.length);
    expect(rest).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\]/);
    for (const segment of rest.split('/')) expect(['', '.', '..']).not.toContain(segment);
  }

  const hostile: { label: string; name: string; key?: string; relativePath?: string }[] = [
    { label: 'unicode and emoji', name: 'résumé 報告 📦.bin' },
    { label: 'right-to-left text', name: 'تقرير سنوي.pdf' },
    { label: 'a right-to-left override', name: 'invoice\u202Efdp.exe' },
    { label: 'parent segments in the name', name: '../../../escape.bin' },
    { label: 'backslashes', name: '..\\..\\windows\\evil.bin' },
    { label: 'control characters', name: 'bell\u0007new\nline\u0000nul\u007f.bin' },
    { label: 'parent segments in the key', name: 'k.bin', key: '../../outside/k.bin' },
    { label: 'an absolute key', name: 'abs.bin', key: '/etc/passwd' },
    { label: 'dots and empty segments in a relative path', name: 'r.bin', relativePath: 'a//./../../b/r.bin' },
  ];

  it.each(hostile)('$label: stored under the prefix with a safe key', async ({ name, key, relativePath }) => {
    const size = 1000;
    await rel().start({ size, name, seed: 5, ...(key !== undefined ? { key } : {}), ...(relativePath !== undefined ? { relativePath } : {}) });
    const result = await rel().outcome();
    expect(result.error).toBeNull();
    const stored = result.result?.key ?? '';
    expectSafeKey(stored);
    await expectStored(stored, size, 5);
  });

  it('a multipart upload with an emoji and RTL name is byte-identical', async () => {
    const options: StartOptions = { size: 2 * MiB, name: '🎬 فيلم 電影.mp4', seed: 6, partSize: PART, parallel: 3 };
    await rel().start(options);
    const result = await rel().outcome();
    expect(result.error).toBeNull();
    expect(result.result?.key).toBe(`${PREFIX}🎬 فيلم 電影.mp4`);
    await expectStored(`${PREFIX}🎬 فيلم 電影.mp4`, options.size, 6);
  });

  it('a file from a deep folder keeps its relative path in the key', async () => {
    const relativePath = 'photos/2026/trip/day 1/夜景/very/deep/folder/img-0001.bin';
    await rel().start({ size: 1 * MiB, name: 'img-0001.bin', seed: 7, relativePath, partSize: PART });
    const result = await rel().outcome();
    expect(result.error).toBeNull();
    expect(result.snapshot.relativePath).toBe(relativePath);
    expect(result.result?.key).toBe(`${PREFIX}${relativePath}`);
    await expectStored(`${PREFIX}${relativePath}`, 1 * MiB, 7);
  });

  it('no test above stored anything outside the prefix', async () => {
    const keys = await allKeys(env);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !key.startsWith(PREFIX))).toEqual([]);
  });
});

describe('IndexedDB unavailable', () => {
  it('uploads anyway, with resumable === false and a NOT_RESUMABLE notice', async () => {
    const blocked = await browser.newContext();
    // Before any page script runs, as in a browser that refuses storage (private mode, policy).
    await blocked.addInitScript(() => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('IndexedDB is disabled', 'SecurityError');
      };
    });
    const blockedPage = await blocked.newPage();
    await env.openHarness(blockedPage);
    const options: StartOptions = { size: 2 * MiB, name: 'no-idb.bin', seed: 8, partSize: PART, parallel: 3 };
    await rel(blockedPage).start(options);
    const result = await rel(blockedPage).outcome();
    await blocked.close();

    expect(result.resumable).toBe(false);
    expect(result.error).toBeNull();
    expect(result.snapshot.notices.map((n) => n.code)).toContain('NOT_RESUMABLE');
    await expectStored(`${PREFIX}no-idb.bin`, options.size, 8);
  });
});

describe('the token endpoint failing', () => {
  /** Routes GET /api/sts: the first `failures` calls get `fail`, later ones real credentials. */
  async function routeToken(failures: number, fail: (route: Route) => Promise<void>): Promise<{ calls: number }> {
    const counter = { calls: 0 };
    await page.route('**/api/sts', async (route) => {
      counter.calls++;
      if (counter.calls <= failures) return fail(route);
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(await env.assumeRole()) });
    });
    return counter;
  }

  const status = (code: number, headers: Record<string, string> = {}) => (route: Route) =>
    route.fulfill({ status: code, contentType: 'application/json', headers, body: JSON.stringify({ error: { code: `E${code}`, message: 'test' } }) });

  it.each([
    { label: 'unreachable', fail: (route: Route) => route.abort('connectionrefused') },
    { label: '429 with Retry-After', fail: status(429, { 'Retry-After': '1' }) },
    { label: '502', fail: status(502) },
  ])('$label twice, then working: retried, and the upload completes', async ({ fail }) => {
    const counter = await routeToken(2, fail);
    await rel().start({ size: 1000, name: 'token-retry.bin', seed: 9, credentials: 'endpoint', retry: FAST_RETRY });
    const result = await rel().outcome();
    expect(result.error).toBeNull();
    expect(counter.calls).toBe(3);
    await expectStored(`${PREFIX}token-retry.bin`, 1000, 9);
  });

  // The retry schedule alone would come back after 50–100 ms; the server's Retry-After must win.
  it('429 with Retry-After: 2 → the next token request waits at least those 2 s', async () => {
    const calledAt: number[] = [];
    await page.route('**/api/sts', async (route) => {
      calledAt.push(Date.now());
      if (calledAt.length === 1) return status(429, { 'Retry-After': '2' })(route);
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(await env.assumeRole()) });
    });
    await rel().start({ size: 1000, name: 'token-429.bin', seed: 9, credentials: 'endpoint', retry: FAST_RETRY });
    const result = await rel().outcome();
    expect(result.error).toBeNull();
    expect(calledAt).toHaveLength(2);
    // A lower bound the server asked for, not a speed expectation: the retry schedule alone would come back after 50–100 ms.
    expect((calledAt[1] ?? 0) - (calledAt[0] ?? 0)).toBeGreaterThanOrEqual(2000);
  });

  it('401 → fails at once with TOKEN_ENDPOINT and status 401, without retrying', async () => {
    const counter = await routeToken(Infinity, status(401));
    await rel().start({ size: 1000, name: 'token-401.bin', seed: 9, credentials: 'endpoint', retry: FAST_RETRY });
    const result = await rel().outcome();
    expect(result.snapshot.state).toBe('failed');
    expect(result.error).toMatchObject({ code: 'TOKEN_ENDPOINT', status: 401, retryable: false });
    expect(counter.calls).toBe(1);
  });

  it('502 for good → fails with TOKEN_ENDPOINT, retryable, after the retry schedule', async () => {
    const counter = await routeToken(Infinity, status(502));
    await rel().start({ size: 1000, name: 'token-502.bin', seed: 9, credentials: 'endpoint', retry: { delays: [50, 50] } });
    const result = await rel().outcome();
    expect(result.snapshot.state).toBe('failed');
    expect(result.error).toMatchObject({ code: 'TOKEN_ENDPOINT', status: 502, retryable: true });
    expect(counter.calls).toBe(3);
  });
});

describe('the server disk full', () => {
  it('parts get 507 InsufficientStorage, no partial object appears, and the upload completes once space returns', async () => {
    const options: StartOptions = { size: 4 * MiB, name: 'disk-full.bin', seed: 10, partSize: PART, parallel: 2, retry: FAST_RETRY };
    const key = `${PREFIX}disk-full.bin`;
    const answers: { status: number; body: Promise<string> }[] = [];
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && response.status() >= 500) answers.push({ status: response.status(), body: response.text() });
    });
    env.proxy.setFaults({ latencyMs: 30 });
    await rel().start(options);
    await rel().whenUploaded(1 * MiB);
    env.disk.full = true;
    await expect.poll(() => answers.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const partial = await env.rootClient().head(key).then(
      () => 'exists',
      (error: { status?: number }) => error.status,
    );
    const whileFull = await page.evaluate(() => (window as unknown as { rel: Rel }).rel.current().snapshot().state);
    env.disk.full = false;
    const result = await rel().outcome();

    expect(answers[0]?.status).toBe(507);
    expect(await answers[0]?.body).toContain('<Code>InsufficientStorage</Code>');
    expect(partial).toBe(404);
    expect(whileFull).toBe('uploading');
    expect(result.error).toBeNull();
    await expectStored(key, options.size, 10);
  });

  it('a single-request upload refused for lack of space leaves no object, and is retried until space returns', async () => {
    const size = 200 * 1024;
    const key = `${PREFIX}disk-full-small.bin`;
    const refused: number[] = [];
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && response.url().includes('disk-full-small')) refused.push(response.status());
    });
    env.disk.full = true;
    await rel().start({ size, name: 'disk-full-small.bin', seed: 11, retry: FAST_RETRY });
    await expect.poll(() => refused.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const partial = await env.rootClient().head(key).then(
      () => 'exists',
      (error: { status?: number }) => error.status,
    );
    env.disk.full = false;
    const result = await rel().outcome();

    expect(refused[0]).toBe(507);
    expect(partial).toBe(404);
    expect(result.error).toBeNull();
    await expectStored(key, size, 11);
  });
});
