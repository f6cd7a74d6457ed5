/**
 * The engine's edges in real Chromium against the real local OSS server: ali-oss browser build for
 * the control plane, XHR parts with progress, CORS-exposed ETag and CRC-64, the CRC worker, the
 * token endpoint, stall and abort, IndexedDB. The page is served by Vite, as the app is.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browsers';
import { startLocalOss, type LocalOss } from '../../src/server/local-oss';
import type { TokenResponse } from '../../src/shared/token-response';
import type { Edges } from './harness/edges-harness';
import { assumeLocalRole } from '../support/local-sts';
import { startHarnessServer, type HarnessServer } from '../support/harness-server';

const ROOT_ID = 'LTAIe2eRootKey';
const ROOT_SECRET = 'e2eRootSecretValue';
const ROLE_ARN = 'acs:ram::1000000000000000:role/uploader';
const BUCKET = 'uploads';
const REGION = 'oss-cn-hangzhou';

let tempDir: string;
let oss: LocalOss;
let harness: HarnessServer;
let stall: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let tokenRequests = 0;
/** Added to the server's clock: lets one test put the page clock behind the server's. */
let serverSkewMs = 0;
const workerUrls: string[] = [];
const pageErrors: string[] = [];

function assumeRole(): Promise<TokenResponse> {
  return assumeLocalRole({
    stsUrl: oss.stsUrl,
    endpoint: oss.url,
    rootAccessKeyId: ROOT_ID,
    rootAccessKeySecret: ROOT_SECRET,
    roleArn: ROLE_ARN,
    region: REGION,
    bucket: BUCKET,
    prefix: 'e2e/',
    sessionName: 'edges-e2e',
  });
}

/** A server that accepts a PUT (after a permissive preflight) and never answers: a silent socket. */
async function startStallServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createHttpServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'PUT',
        'Access-Control-Allow-Headers': '*',
      });
      res.end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'edges-e2e-'));
  oss = await startLocalOss({
    dataDir: join(tempDir, 'oss'),
    port: 0,
    rootAccessKeyId: ROOT_ID,
    rootAccessKeySecret: ROOT_SECRET,
    roleArn: ROLE_ARN,
    buckets: [BUCKET],
    region: REGION,
    now: () => Date.now() + serverSkewMs,
  });
  stall = await startStallServer();
  harness = await startHarnessServer({
    page: 'test/engine/harness/index.html',
    tempDir,
    plugins: [
      {
        name: 'token-endpoint',
        configureServer(server) {
          server.middlewares.use('/api/sts', (_req, res) => {
            tokenRequests++;
            assumeRole().then(
              (token) => {
                res.setHeader('Content-Type', 'application/json');
                res.end(JSON.stringify(token));
              },
              () => {
                res.statusCode = 502;
                res.setHeader('Content-Type', 'application/json');
                res.end(JSON.stringify({ error: { code: 'StsUnavailable', message: 'AssumeRole failed' } }));
              },
            );
          });
        },
      },
    ],
  });

  browser = await launchChromium();
  page = await browser.newPage();
  page.on('worker', (worker) => workerUrls.push(worker.url()));
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(harness.pageUrl);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  await stall?.close();
  await oss?.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

describe('engine edges in Chromium against the local OSS server', () => {
  it('uploads a multipart object: initiate, XHR parts with progress, readable ETag and CRC-64, list, complete', async () => {
    const tokenRequestsBefore = tokenRequests;
    // Characters that URL encoding and signing treat differently: space, plus, parentheses, non-ASCII.
    const key = 'e2e/three parts+(1) é.bin';
    const partSize = 256 * 1024;
    const size = 2 * partSize + 1000;
    const result = await page.evaluate(
      async ({ key, partSize, size }) => {
        const { edges } = window as unknown as { edges: Edges };
        const credentialsSource = edges.createCredentialsSource(edges.fetchTokenEndpoint('/api/sts'), edges.systemClock);
        const control = edges.createOssControl();
        const transport = edges.createXhrTransport();
        const hasher = edges.createCrc64Hasher();

        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 11)) & 0xff;
        const file = new File([bytes], 'three-parts.bin', { type: 'application/octet-stream' });

        const [credentials, again] = await Promise.all([credentialsSource.get(), credentialsSource.get()]);
        const { uploadId } = await control.initiate({ credentials, key, contentType: file.type });
        const parts: Array<{ number: number; etag: string; serverCrc64: string | null; crc64: string; size: number; progress: number[] }> = [];
        for (let number = 1, start = 0; start < size; number++, start += partSize) {
          const body = file.slice(start, Math.min(start + partSize, size));
          const url = await control.signPutUrl({ credentials, key, uploadId, partNumber: number });
          const progress: number[] = [];
          const [sent, crc64] = await Promise.all([
            transport.put({ url, body, signal: new AbortController().signal, onProgress: (loaded) => progress.push(loaded), stallTimeoutMs: 60_000 }),
            hasher.crc64(body),
          ]);
          parts.push({ number, etag: sent.etag, serverCrc64: sent.crc64, crc64, size: body.size, progress });
        }
        const listed = await control.listParts({ credentials, key, uploadId });
        const completed = await control.complete({ credentials, key, uploadId, parts });
        const sha256 = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
        return { sameCredentials: credentials === again, parts, listed, completed, combined: hasher.combine(parts), whole: await hasher.crc64(file), sha256 };
      },
      { key, partSize, size },
    );

    expect(result.sameCredentials).toBe(true);
    expect(tokenRequests - tokenRequestsBefore).toBe(1);
    expect(result.parts).toHaveLength(3);
    for (const part of result.parts) {
      expect(part.etag).toMatch(/^"[0-9A-F]{32}"$/);
      expect(part.serverCrc64).toBe(part.crc64);
      expect(part.progress.at(-1)).toBe(part.size);
    }
    expect(result.listed).toEqual(result.parts.map((p) => ({ number: p.number, etag: p.etag, size: p.size, crc64: p.crc64 })));
    expect(result.completed.etag).toMatch(/^".+-3"$/);
    expect(result.completed.crc64).toBe(result.whole);
    expect(result.combined).toBe(result.whole);
    expect(workerUrls.some((url) => url.includes('crc64.worker'))).toBe(true);

    const stored = await new OSS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, bucket: BUCKET, region: REGION, endpoint: oss.url, sldEnable: true } as OSS.Options).get(key);
    expect(createHash('sha256').update(stored.content as Buffer).digest('hex')).toBe(result.sha256);
  });

  it('reports a part PUT to an aborted upload as NoSuchUpload with its request id', async () => {
    const outcome = await page.evaluate(async () => {
      const { edges } = window as unknown as { edges: Edges };
      const credentials = await edges.fetchTokenEndpoint('/api/sts')({});
      const control = edges.createOssControl();
      const key = 'e2e/aborted.bin';
      const { uploadId } = await control.initiate({ credentials, key, contentType: '' });
      await control.abort({ credentials, key, uploadId });
      const url = await control.signPutUrl({ credentials, key, uploadId, partNumber: 2 });
      const put = await edges
        .createXhrTransport()
        .put({ url, body: new Blob(['x']), signal: new AbortController().signal, onProgress: () => undefined, stallTimeoutMs: 60_000 })
        .catch((err: { name: string; status: number; ossCode?: string; requestId?: string; partNumber?: number }) => err);
      const list = await control.listParts({ credentials, key, uploadId }).catch((err: { name: string; status: number; ossCode?: string }) => err);
      return { put: { ...put }, list: { ...list } };
    });
    expect(outcome.put).toMatchObject({ name: 'EngineError', status: 404, ossCode: 'NoSuchUpload', partNumber: 2 });
    expect(outcome.put).toHaveProperty('requestId', expect.any(String));
    expect(outcome.list).toMatchObject({ name: 'EngineError', status: 404, ossCode: 'NoSuchUpload' });
  });

  it('aborts a part in flight when its signal aborts', async () => {
    const outcome = await page.evaluate(async () => {
      const { edges } = window as unknown as { edges: Edges };
      const credentials = await edges.fetchTokenEndpoint('/api/sts')({});
      const control = edges.createOssControl();
      const key = 'e2e/aborted-part.bin';
      const { uploadId } = await control.initiate({ credentials, key, contentType: '' });
      const url = await control.signPutUrl({ credentials, key, uploadId, partNumber: 1 });
      const controller = new AbortController();
      const err = await edges
        .createXhrTransport()
        .put({ url, body: new Blob([new Uint8Array(4 * 1024 * 1024)]), signal: controller.signal, onProgress: () => controller.abort(), stallTimeoutMs: 60_000 })
        .then(
          () => null,
          (e: Error) => e.name,
        );
      await control.abort({ credentials, key, uploadId });
      return err;
    });
    expect(outcome).toBe('AbortError');
  });

  it('gives up on a silent connection after the stall timeout, and aborts a waiting request on signal', async () => {
    const outcome = await page.evaluate(async (stallUrl) => {
      const { edges } = window as unknown as { edges: Edges };
      const transport = edges.createXhrTransport();
      const body = new Blob([new Uint8Array(64 * 1024)]);
      const stalled = await transport
        .put({ url: `${stallUrl}/silent?partNumber=4&uploadId=U`, body, signal: new AbortController().signal, onProgress: () => undefined, stallTimeoutMs: 1500 })
        .catch((e: { name: string; status: number; partNumber?: number }) => ({ name: e.name, status: e.status, partNumber: e.partNumber }));
      const controller = new AbortController();
      const waiting = transport.put({ url: `${stallUrl}/silent`, body, signal: controller.signal, onProgress: () => undefined, stallTimeoutMs: 60_000 });
      setTimeout(() => controller.abort(), 200);
      const aborted = await waiting.then(
        () => null,
        (e: Error) => e.name,
      );
      return { stalled, aborted };
    }, stall.url);
    expect(outcome.stalled).toEqual({ name: 'EngineError', status: -1, partNumber: 4 });
    expect(outcome.aborted).toBe('AbortError');
  });

  it('keeps presigned part URLs valid when the page clock is 20 minutes behind the server', async () => {
    // Fetched first: the STS endpoint rejects requests from a skewed clock.
    const credentials = await assumeRole();
    serverSkewMs = 20 * 60_000;
    try {
      const outcome = await page.evaluate(async (credentials) => {
        const { edges } = window as unknown as { edges: Edges };
        const control = edges.createOssControl();
        const key = 'e2e/skewed-clock.bin';
        // ali-oss gets RequestTimeTooSkewed here, learns the offset and re-sends.
        const { uploadId } = await control.initiate({ credentials, key, contentType: '' });
        const url = await control.signPutUrl({ credentials, key, uploadId, partNumber: 1, expiresSeconds: 300 });
        const put = await edges
          .createXhrTransport()
          .put({ url, body: new Blob(['skew']), signal: new AbortController().signal, onProgress: () => undefined, stallTimeoutMs: 60_000 })
          .then(
            (sent) => sent.etag,
            (e: { name: string; status: number; ossCode?: string }) => `${e.name} ${e.status} ${e.ossCode}`,
          );
        await control.abort({ credentials, key, uploadId });
        return put;
      }, credentials);
      expect(outcome).toMatch(/^"[0-9A-F]{32}"$/);
    } finally {
      serverSkewMs = 0;
    }
  });

  it('keeps checkpoints in IndexedDB and fingerprints files in the browser', async () => {
    const outcome = await page.evaluate(async () => {
      const { edges } = window as unknown as { edges: Edges };
      const store = await edges.createIdbCheckpointStore({ dbName: 'edges-e2e' });
      const checkpoint = {
        id: 'cp-e2e',
        fingerprint: await edges.fingerprintFile(new File(['hello'], 'hello.txt', { lastModified: 1 })),
        key: 'e2e/hello.txt',
        bucket: 'uploads',
        uploadId: 'U',
        name: 'hello.txt',
        size: 5,
        type: 'text/plain',
        lastModified: 1,
        partSize: 102400,
        doneParts: [{ number: 1, etag: '"E"', crc64: '1', size: 5 }],
        createdAt: 1,
        updatedAt: 1,
      };
      await store.put(checkpoint);
      const reopened = await edges.createIdbCheckpointStore({ dbName: 'edges-e2e' });
      const again = await edges.fingerprintFile(new File(['hello'], 'hello.txt', { lastModified: 1 }));
      return { persistent: store.persistent, found: await reopened.findByFingerprint(again), fingerprint: checkpoint.fingerprint };
    });
    expect(outcome.persistent).toBe(true);
    expect(outcome.fingerprint).toMatch(/^v1:[0-9a-f]{64}$/);
    expect(outcome.found?.id).toBe('cp-e2e');
    expect(pageErrors).toEqual([]);
  });
});
