/**
 * The whole engine (`createUploader` with its browser defaults) in real Chromium against the
 * local OSS server: a large file arrives byte-identical, pause and resume send each part once,
 * a reload mid-upload resumes from IndexedDB without a new Initiate, a file that differs from the
 * unfinished upload only where the fingerprint does not look gets its differing part sent again,
 * and cancel leaves nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCRC64 } from 'hash-wasm';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browsers';
import { sampleRanges } from '../../src/engine/resume/fingerprint';
import type { Core } from './core-harness/core-harness';
import { BUCKET, expectedBytes, sha256, startCoreE2eStack, type CoreE2eStack } from './support/core-e2e-stack';

const PREFIX = 'e2e/';
const MiB = 1024 * 1024;

interface OssRequest {
  method: string;
  url: URL;
}

let stack: CoreE2eStack;
let browser: Browser;
let page: Page;
let requests: OssRequest[] = [];

async function crc64Decimal(bytes: Buffer): Promise<string> {
  const hasher = await createCRC64();
  hasher.init();
  hasher.update(bytes);
  return BigInt(`0x${hasher.digest('hex')}`).toString();
}

const rootClient = () => stack.rootClient();

function partPuts(key: string): number[] {
  return requests
    .filter((r) => r.method === 'PUT' && r.url.pathname === `/${BUCKET}/${key}` && r.url.searchParams.has('partNumber'))
    .map((r) => Number(r.url.searchParams.get('partNumber')));
}

function count(key: string, method: string, has: string, lacks?: string): number {
  return requests.filter(
    (r) => r.method === method && r.url.pathname === `/${BUCKET}/${key}` && r.url.searchParams.has(has) && (!lacks || !r.url.searchParams.has(lacks)),
  ).length;
}

async function openHarness(): Promise<void> {
  await page.goto(stack.harness.pageUrl);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

beforeAll(async () => {
  stack = await startCoreE2eStack({ prefix: PREFIX, name: 'core-e2e' });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.exposeFunction('assumeRole', () => stack.assumeRole());
  const ossOrigin = new URL(stack.oss.url).origin;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === ossOrigin && request.method() !== 'OPTIONS') requests.push({ method: request.method(), url });
  });
  await openHarness();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

beforeEach(() => {
  requests = [];
});

describe('uploader in Chromium against the local OSS server', () => {
  it('uploads a 64 MiB file in 8 MiB parts, byte-identical, with a matching CRC-64', async () => {
    const size = 64 * MiB;
    const result = await page.evaluate(async (size) => {
      const { core } = window as unknown as { core: Core };
      const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 8 * 1024 * 1024 });
      const upload = uploader.add(core.makeFile(size, 'big.bin', 1));
      const progressBytes: number[] = [];
      upload.on('progress', (s) => progressBytes.push(s.progress.bytesUploaded));
      const result = await upload.finished;
      uploader.destroy();
      return { result, progressBytes, snapshot: upload.snapshot() };
    }, size);

    const expected = expectedBytes(size, 1);
    expect(result.result).toMatchObject({ key: `${PREFIX}big.bin`, size, crc64: await crc64Decimal(expected) });
    expect(result.snapshot).toMatchObject({ state: 'done', progress: { bytesUploaded: size, fraction: 1 } });
    expect(result.progressBytes.every((bytes, i) => i === 0 || bytes >= result.progressBytes[i - 1]!)).toBe(true);
    expect(partPuts(`${PREFIX}big.bin`).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const stored = await rootClient().get(`${PREFIX}big.bin`);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expected));
  });

  it('reports byte-level progress from XHR, inside parts, not one step per finished part', async () => {
    // On loopback a part can be sent between two XHR progress events; a slowed link makes them come
    // while parts are under way, as they do on a user's network.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * MiB });
    try {
      const size = 6 * MiB;
      const progressBytes = await page.evaluate(async (size) => {
        const { core } = window as unknown as { core: Core };
        const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 2 * 1024 * 1024 });
        const upload = uploader.add(core.makeFile(size, 'progress.bin', 3));
        const seen: number[] = [];
        upload.on('progress', (s) => seen.push(s.progress.bytesUploaded));
        await upload.finished;
        uploader.destroy();
        return seen;
      }, size);
      expect(progressBytes.some((bytes) => bytes % (2 * MiB) !== 0)).toBe(true);
      expect(progressBytes.at(-1)).toBe(size);
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
  });

  it('pauses mid-upload and resumes, sending every part exactly once', async () => {
    const size = 6 * MiB;
    const key = `${PREFIX}paused.bin`;
    const paused = await page.evaluate(async (size) => {
      const { core } = window as unknown as { core: Core };
      const transport = core.holdPartsAbove(2);
      const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 1024 * 1024, parallel: 2, transport });
      const upload = uploader.add(core.makeFile(size, 'paused.bin', 2));
      core.state = { uploader, upload, transport };
      await core.whenCheckpointHas('paused.bin', 2);
      upload.pause();
      transport.release();
      return upload.snapshot();
    }, size);
    expect(paused).toMatchObject({ state: 'paused', progress: { bytesUploaded: 2 * MiB } });
    const requestsWhilePaused = requests.length;
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(requests.length).toBe(requestsWhilePaused);

    const result = await page.evaluate(async () => {
      const { core } = window as unknown as { core: Core };
      const { upload, uploader } = core.state;
      if (!upload || !uploader) throw new Error('no upload');
      upload.resume();
      const result = await upload.finished;
      uploader.destroy();
      return result;
    });
    expect(result.size).toBe(size);
    expect(partPuts(key).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(count(key, 'POST', 'uploads')).toBe(1);
    const stored = await rootClient().get(key);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expectedBytes(size, 2)));
  });

  it('resumes after a reload when the same file is selected again, with no new Initiate', async () => {
    const size = 6 * MiB;
    const key = `${PREFIX}reloaded.bin`;
    const before = await page.evaluate(async (size) => {
      const { core } = window as unknown as { core: Core };
      const uploader = await core.createUploader({
        getCredentials: core.getCredentials,
        partSize: 1024 * 1024,
        parallel: 2,
        transport: core.holdPartsAbove(3),
      });
      const upload = uploader.add(core.makeFile(size, 'reloaded.bin', 3));
      await core.whenCheckpointHas('reloaded.bin', 3);
      return upload.snapshot().state;
    }, size);
    expect(before).toBe('uploading');
    expect(count(key, 'POST', 'uploads')).toBe(1);

    await openHarness();
    requests = [];
    const resumed = await page.evaluate(async (size) => {
      const { core } = window as unknown as { core: Core };
      const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 1024 * 1024, parallel: 2 });
      const unfinished = (await uploader.listUnfinished()).filter((u) => u.name === 'reloaded.bin');
      const upload = uploader.add(core.makeFile(size, 'reloaded.bin', 3));
      const result = await upload.finished;
      const after = (await uploader.listUnfinished()).filter((u) => u.name === 'reloaded.bin');
      uploader.destroy();
      return { unfinished, result, snapshot: upload.snapshot(), after };
    }, size);

    expect(resumed.unfinished).toEqual([expect.objectContaining({ name: 'reloaded.bin', size, key, bytesDone: 3 * MiB })]);
    expect(resumed.snapshot.resumed).toBe(true);
    expect(count(key, 'POST', 'uploads')).toBe(0);
    expect(count(key, 'GET', 'uploadId')).toBe(1);
    expect(partPuts(key).sort((a, b) => a - b)).toEqual([4, 5, 6]);
    expect(resumed.after).toEqual([]);
    const stored = await rootClient().get(key);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expectedBytes(size, 3)));
  });

  it('resumes after a reload from the saved file handle, with no file selected and no new Initiate', async () => {
    const size = 6 * MiB;
    const key = `${PREFIX}handled.bin`;
    await page.evaluate(async (size) => {
      const { core } = window as unknown as { core: Core };
      const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 1024 * 1024, parallel: 2, transport: core.holdPartsAbove(3) });
      const handle = await core.writeOpfsFile(size, 'handled.bin', 4);
      uploader.add(await handle.getFile(), { handle });
      await core.whenCheckpointHas('handled.bin', 3);
    }, size);
    expect(count(key, 'POST', 'uploads')).toBe(1);

    await openHarness();
    requests = [];
    const resumed = await page.evaluate(async () => {
      const { core } = window as unknown as { core: Core };
      // The handle came back from IndexedDB as a real handle (structured clone, not JSON).
      const saved = (await (await core.createIdbCheckpointStore()).list()).find((c) => c.name === 'handled.bin');
      const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 1024 * 1024, parallel: 2 });
      const unfinished = (await uploader.listUnfinished()).filter((u) => u.name === 'handled.bin');
      const upload = await uploader.resumeUnfinished!(unfinished[0]!.id);
      const result = await upload.finished;
      uploader.destroy();
      return { savedIsHandle: saved?.handle instanceof FileSystemFileHandle, unfinished, result, snapshot: upload.snapshot() };
    });

    expect(resumed.savedIsHandle).toBe(true);
    expect(resumed.unfinished).toEqual([expect.objectContaining({ name: 'handled.bin', key, bytesDone: 3 * MiB, hasHandle: true })]);
    expect(resumed.snapshot.resumed).toBe(true);
    expect(count(key, 'POST', 'uploads')).toBe(0);
    expect(partPuts(key).sort((a, b) => a - b)).toEqual([4, 5, 6]);
    const stored = await rootClient().get(key);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expectedBytes(size, 4)));
  });

  /** A page session that sends parts 1–3 of `name` (seed 7) and is then left, as by a reload. */
  async function leaveThreePartsOf(name: string, size: number): Promise<void> {
    await page.evaluate(
      async ({ size, name }) => {
        const { core } = window as unknown as { core: Core };
        const transport = core.holdPartsAbove(3);
        const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 1024 * 1024, parallel: 2, transport });
        uploader.add(core.makeFile(size, name, 7));
        await core.whenCheckpointHas(name, 3);
      },
      { size, name },
    );
    await openHarness();
    requests = [];
  }

  it.each([
    { listedCrc: true, name: 'verified-crc.bin' },
    { listedCrc: false, name: 'verified-md5.bin' },
  ])('resumes a file differing in one 4 KiB block the fingerprint misses, sending that part again (CRC listed: $listedCrc)', async ({ listedCrc, name }) => {
    const size = 6 * MiB;
    const key = `${PREFIX}${name}`;
    // Inside part 2 (already on the server), away from every sampled range.
    const patch = { offset: MiB + 256 * 1024, length: 4096 };
    expect(sampleRanges(size).some(([start, end]) => patch.offset < end && start < patch.offset + patch.length)).toBe(false);
    await leaveThreePartsOf(name, size);

    const resumed = await page.evaluate(
      async ({ size, name, patch, listedCrc }) => {
        const { core } = window as unknown as { core: Core };
        const uploader = await core.createUploader({
          getCredentials: core.getCredentials,
          partSize: 1024 * 1024,
          parallel: 2,
          ...(listedCrc ? {} : { control: core.controlWithoutListedCrc() }),
        });
        const upload = uploader.add(core.makeFile(size, name, 7, patch));
        const result = await upload.finished;
        const after = (await uploader.listUnfinished()).filter((u) => u.name === name);
        uploader.destroy();
        return { result, snapshot: upload.snapshot(), after };
      },
      { size, name, patch, listedCrc },
    );

    const expected = expectedBytes(size, 7, patch);
    expect(resumed.snapshot).toMatchObject({
      state: 'done',
      resumed: true,
      verification: { partsToCheck: 3, partsChecked: 3, partsResent: 1 },
      notices: [{ code: 'PARTS_RESENT', count: 1 }],
    });
    expect(resumed.snapshot.notices.map((notice) => notice.message)).toEqual([expect.stringMatching(/^1 part .* sent again\.$/)]);
    expect(resumed.result.crc64).toBe(await crc64Decimal(expected));
    expect(count(key, 'POST', 'uploads')).toBe(0);
    expect(partPuts(key).sort((a, b) => a - b)).toEqual([2, 4, 5, 6]);
    expect(resumed.after).toEqual([]);
    const stored = await rootClient().get(key);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expected));
  });

  it('uploads a file differing everywhere (so its fingerprint too) as new, leaving the unfinished upload alone', async () => {
    const size = 6 * MiB;
    const name = 'changed.bin';
    const key = `${PREFIX}${name}`;
    await leaveThreePartsOf(name, size);

    const outcome = await page.evaluate(
      async ({ size, name }) => {
        const { core } = window as unknown as { core: Core };
        const uploader = await core.createUploader({ getCredentials: core.getCredentials, partSize: 1024 * 1024, parallel: 2 });
        const before = (await uploader.listUnfinished()).filter((u) => u.name === name);
        const upload = uploader.add(core.makeFile(size, name, 8));
        await upload.finished;
        const after = (await uploader.listUnfinished()).filter((u) => u.name === name);
        uploader.destroy();
        return { before, after, snapshot: upload.snapshot() };
      },
      { size, name },
    );

    expect(outcome.before).toHaveLength(1);
    expect(outcome.after).toEqual(outcome.before);
    expect(outcome.snapshot).toMatchObject({ state: 'done', resumed: false, notices: [{ code: 'FILE_CHANGED', unfinishedId: outcome.before[0]?.id }] });
    expect(outcome.snapshot.verification).toBeUndefined();
    expect(count(key, 'POST', 'uploads')).toBe(1);
    expect(partPuts(key).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const stored = await rootClient().get(key);
    expect(sha256(stored.content as Buffer)).toBe(sha256(expectedBytes(size, 8)));
    const listed = (await rootClient().listUploads({ prefix: key }, {})) as { uploads?: unknown[] };
    expect(listed.uploads ?? []).toHaveLength(1);
  });

  it('cancel aborts the multipart upload and leaves no object, upload or checkpoint', async () => {
    const key = `${PREFIX}canceled.bin`;
    const outcome = await page.evaluate(async () => {
      const { core } = window as unknown as { core: Core };
      const uploader = await core.createUploader({
        getCredentials: core.getCredentials,
        partSize: 1024 * 1024,
        parallel: 2,
        transport: core.holdPartsAbove(1),
      });
      const upload = uploader.add(core.makeFile(3 * 1024 * 1024, 'canceled.bin', 4));
      await core.whenCheckpointHas('canceled.bin', 1);
      await upload.cancel();
      const finished = await upload.finished.then(
        () => 'resolved',
        (err: Error) => err.name,
      );
      const checkpoints = (await (await core.createIdbCheckpointStore()).list()).filter((c) => c.name === 'canceled.bin');
      uploader.destroy();
      return { state: upload.snapshot().state, finished, checkpoints: checkpoints.length };
    });

    expect(outcome).toEqual({ state: 'canceled', finished: 'AbortError', checkpoints: 0 });
    expect(count(key, 'DELETE', 'uploadId')).toBe(1);
    const client = rootClient();
    const listed = (await client.listUploads({ prefix: key }, {})) as { uploads?: unknown[] };
    expect(listed.uploads ?? []).toEqual([]);
    await expect(client.head(key)).rejects.toMatchObject({ status: 404 });
  });
});
