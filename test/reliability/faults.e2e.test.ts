/**
 * Uploads in real Chromium through the fault proxy to the local OSS server. Each network fault
 * (connections cut mid-part, 500/503 answers, latency, silent stalls, a server restart, a dead
 * server, credentials that expire mid-upload, the browser going offline) must end in a completed
 * upload whose object is byte-identical to the file (SHA-256 read back with the root key), and
 * the proxy's stats prove the fault really happened.
 *
 * Files are 8–16 MiB in small parts so the whole file runs in about a minute on 2 cores.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Outcome, Rel, StartOptions } from './page/reliability-page';
import { MiB, PREFIX, expectedBytes, launchChromium, sha256, startReliabilityEnv, storedSha256, type ReliabilityEnv } from './support/env';

/** Short waits keep retried parts quick; six retries, as in the default schedule. */
const FAST_RETRY = { delays: [100, 200, 400, 800, 1600, 3200] };
const PART = 256 * 1024;

let env: ReliabilityEnv;
let browser: Browser;
let page: Page;
/** OSS requests the browser saw fail at the network level (refused, reset, aborted). */
let failedRequests = 0;

beforeAll(async () => {
  env = await startReliabilityEnv(7);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(env.proxy.url)) failedRequests++;
  });
  await env.openHarness(page);
});

afterAll(async () => {
  await browser?.close();
  await env?.close();
});

beforeEach(async () => {
  // Each test gets its own seeded proxy, so which requests a fault hits does not depend on the tests before it.
  await env.resetProxy(7);
  env.clock.offsetMs = 0;
  env.credentialOverrides.length = 0;
  await env.openHarness(page);
});

function start(options: StartOptions): Promise<unknown> {
  return page.evaluate((o) => (window as unknown as { rel: Rel }).rel.start(o), options);
}

function outcome(): Promise<Outcome> {
  return page.evaluate(() => (window as unknown as { rel: Rel }).rel.outcome());
}

function whenUploaded(bytes: number): Promise<unknown> {
  return page.evaluate((b) => (window as unknown as { rel: Rel }).rel.whenUploaded(b), bytes);
}

/** Asserts the upload finished and the stored object has exactly the file's bytes. */
async function expectIntact(result: Outcome, options: StartOptions): Promise<void> {
  expect(result.error).toBeNull();
  expect(result.snapshot.state).toBe('done');
  const key = `${PREFIX}${options.name}`;
  expect(result.result).toMatchObject({ key, size: options.size });
  expect(await storedSha256(env, key)).toBe(sha256(expectedBytes(options.size, options.seed)));
}

describe('network faults between the browser and OSS', () => {
  it('connections cut mid-part (20 % of parts): every cut part is sent again', async () => {
    const options: StartOptions = { size: 8 * MiB, name: 'dropped.bin', seed: 11, partSize: PART, parallel: 3, retry: FAST_RETRY };
    env.proxy.setFaults({ dropMidBodyRate: 0.2 });
    const before = env.proxy.stats();
    await start(options);
    const result = await outcome();
    await expectIntact(result, options);
    expect(env.proxy.stats().dropped - before.dropped).toBeGreaterThan(0);
  });

  it.each([500, 503] as const)('answers %i on a random 5 percent of parts: retried, completes', async (status) => {
    const options: StartOptions = { size: 16 * MiB, name: `error-${status}.bin`, seed: status, partSize: PART, parallel: 3, retry: FAST_RETRY };
    env.proxy.setFaults({ errorRate: 0.05, errorStatus: status });
    const before = env.proxy.stats();
    await start(options);
    const result = await outcome();
    await expectIntact(result, options);
    expect(env.proxy.stats().errored - before.errored).toBeGreaterThan(0);
  });

  it('added latency on every OSS request (control calls too) changes nothing but speed', async () => {
    const options: StartOptions = { size: 8 * MiB, name: 'latency.bin', seed: 12, partSize: 1 * MiB, parallel: 3 };
    env.proxy.setFaults({ latencyMs: 150, match: {} });
    const before = env.proxy.stats();
    await start(options);
    const result = await outcome();
    await expectIntact(result, options);
    // Initiate, 8 parts and Complete all went through the delay.
    expect(env.proxy.stats().forwarded - before.forwarded).toBeGreaterThanOrEqual(10);
  });

  it('parts that stall with no answer are aborted after stallTimeoutMs and sent again', async () => {
    const options: StartOptions = {
      size: 8 * MiB,
      name: 'stalled.bin',
      seed: 13,
      partSize: PART,
      parallel: 3,
      retry: { ...FAST_RETRY, stallTimeoutMs: 1000 },
    };
    // stallMs null: the proxy never answers nor closes; only the engine's stall timer can end it.
    env.proxy.setFaults({ stallRate: 0.1, stallMs: null });
    const before = env.proxy.stats();
    await start(options);
    const result = await outcome();
    await expectIntact(result, options);
    expect(env.proxy.stats().stalled - before.stalled).toBeGreaterThan(0);
  });

  it('the OSS server restarting mid-upload (same port and data) is waited out', async () => {
    const options: StartOptions = { size: 8 * MiB, name: 'restart.bin', seed: 14, partSize: PART, parallel: 3, retry: FAST_RETRY };
    env.proxy.setFaults({ latencyMs: 30 });
    await start(options);
    await whenUploaded(2 * MiB);
    const failedBefore = failedRequests;
    // About 1.5 s without a server: attempts fail with connection errors and are retried.
    await env.restartOss(1500);
    const result = await outcome();
    await expectIntact(result, options);
    expect(failedRequests - failedBefore).toBeGreaterThan(0);
  });

  it('a dead server (every connection refused for 2 s) is waited out', async () => {
    const options: StartOptions = { size: 8 * MiB, name: 'down.bin', seed: 15, partSize: PART, parallel: 3, retry: FAST_RETRY };
    env.proxy.setFaults({ latencyMs: 30 });
    await start(options);
    await whenUploaded(2 * MiB);
    const before = env.proxy.stats();
    env.proxy.setFaults({ down: true });
    await new Promise((done) => setTimeout(done, 2000));
    const refused = env.proxy.stats().refusedConnections - before.refusedConnections;
    env.proxy.setFaults({ down: false });
    const result = await outcome();
    await expectIntact(result, options);
    expect(refused).toBeGreaterThan(0);
  });
});

describe('credentials expiring mid-upload', () => {
  it('a token the server finds expired is refreshed once, and no part is lost', async () => {
    const options: StartOptions = { size: 8 * MiB, name: 'expiring.bin', seed: 16, partSize: PART, parallel: 3, retry: FAST_RETRY };
    // The first credentials claim an hour of life but the server stops accepting them at +60 s of
    // its clock; the test moves that clock past it once some parts are stored.
    env.credentialOverrides.push(() => env.mintCredentials(Date.now() + 60_000));
    env.proxy.setFaults({ latencyMs: 30 });
    const callsAtStart = env.credentialCalls();
    await start(options);
    await whenUploaded(2 * MiB);
    const callsBefore = env.credentialCalls() - callsAtStart;
    env.clock.offsetMs = 2 * 60_000;
    const result = await outcome();
    await expectIntact(result, options);
    expect(callsBefore).toBe(1);
    // One refresh for all the parts that failed together with the same token.
    expect(env.credentialCalls() - callsAtStart).toBe(2);
    expect(result.errorEvents).toEqual([]);
  });
});

describe('the browser going offline', () => {
  it('waits while offline without using up retries, and continues when back online', async () => {
    const options: StartOptions = {
      size: 8 * MiB,
      name: 'offline.bin',
      seed: 17,
      partSize: PART,
      parallel: 3,
      // Only one quick retry: an upload that spent its attempts while offline would fail.
      retry: { delays: [100] },
    };
    env.proxy.setFaults({ latencyMs: 30 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await start(options);
    await whenUploaded(2 * MiB);
    await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    // Part uploads only: a preflight (OPTIONS) of a part already on its way may land as well.
    const partsSeen = (): number => env.proxy.stats().byMethod.PUT?.seen ?? 0;
    const seenOffline = partsSeen();
    await new Promise((done) => setTimeout(done, 2500));
    const whileOffline = await page.evaluate(() => ({
      onLine: navigator.onLine,
      state: (window as unknown as { rel: Rel }).rel.current().snapshot().state,
    }));
    const seenWhileOffline = partsSeen() - seenOffline;
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const result = await outcome();
    await cdp.detach();

    expect(whileOffline.onLine).toBe(false);
    expect(['uploading', 'paused', 'queued', 'preparing']).toContain(whileOffline.state);
    // Parts already in flight may land; no new ones reach the network while offline.
    expect(seenWhileOffline).toBeLessThanOrEqual(options.parallel ?? 0);
    await expectIntact(result, options);
  });
});
