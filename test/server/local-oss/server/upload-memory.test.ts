import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, REGION, ROLE_ARN, ROOT_ID, ROOT_SECRET, bytes, failureOf, listParts, startHarness } from './harness';

/** Unfinished uploads started, each with close to the 8 KB of user metadata OSS allows. */
const UPLOADS = 3000;
const META_VALUE_BYTES = 8000;
const CONCURRENCY = 16;

interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Heap plus external memory of the server process after full garbage collections. */
  retainedBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** The local OSS in a process of its own, so that its memory is measured alone. */
async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const entry = resolve(import.meta.dirname, '../../../../src/server/local-oss/index.ts');
  const script = `
    const { startLocalOss } = await import(${JSON.stringify(entry)});
    const oss = await startLocalOss({ dataDir: ${JSON.stringify(dataDir)}, rootAccessKeyId: ${JSON.stringify(ROOT_ID)},
      rootAccessKeySecret: ${JSON.stringify(ROOT_SECRET)}, roleArn: ${JSON.stringify(ROLE_ARN)},
      buckets: [${JSON.stringify(BUCKET)}], region: ${JSON.stringify(REGION)} });
    process.on('message', async (message) => {
      if (message === 'measure') {
        for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
        const usage = process.memoryUsage();
        process.send({ retained: usage.heapUsed + usage.external });
      } else if (message === 'stop') {
        await oss.close();
        process.exit(0);
      }
    });
    process.send({ url: oss.url });`;
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: resolve(import.meta.dirname, '../../../..'),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = async <T>(): Promise<T> => {
    const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [undefined])])) as [T | undefined];
    if (message === undefined) throw new Error('the server process exited');
    return message;
  };
  const { url } = await next<{ url: string }>();
  return {
    child,
    url,
    retainedBytes: async () => {
      child.send('measure');
      return (await next<{ retained: number }>()).retained;
    },
    stop: async () => {
      const exited = once(child, 'exit');
      child.send('stop');
      await exited;
    },
  };
}

const clientFor = (url: string): OSS =>
  new OSS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, bucket: BUCKET, region: REGION, endpoint: url, sldEnable: true } as OSS.Options);

async function initiateMany(client: OSS, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      // A different value each time, as real clients would send.
      const value = `${index}-`.padEnd(META_VALUE_BYTES, 'm');
      const { uploadId } = await client.initMultipartUpload(`${prefix}/${String(index).padStart(5, '0')}.bin`, { meta: { notes: value } } as never);
      ids[index] = uploadId;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return ids;
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-oss-memory-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('unfinished uploads', () => {
  it('cost the server far less memory than the metadata they carry, and all survive a restart', { timeout: 240_000 }, async () => {
    const server = await startServerProcess(dataDir);
    let uploadIds: string[];
    try {
      const client = clientFor(server.url);
      // Warm-up: code loaded, connections open, maps allocated, before the baseline.
      await initiateMany(client, 100, 'warm-up');
      const before = await server.retainedBytes();
      uploadIds = await initiateMany(client, UPLOADS, 'many');
      const after = await server.retainedBytes();
      const perUpload = (after - before) / UPLOADS;
      // Holding each upload's headers would cost at least the metadata itself (8 KB) per upload.
      // What must stay per upload (its id, key, time, a part map) is far below a quarter of that.
      expect(perUpload).toBeLessThan(META_VALUE_BYTES / 4);
    } finally {
      await server.stop();
    }

    const restarted = await startHarness({}, dataDir);
    try {
      const client = restarted.client();
      let listed = 0;
      let query: Record<string, string> = { prefix: 'many/', 'max-uploads': '1000' };
      for (;;) {
        const page = (await client.listUploads(query)) as unknown as { uploads: unknown[]; nextKeyMarker: string; nextUploadIdMarker: string; isTruncated: boolean };
        listed += page.uploads.length;
        if (!page.isTruncated) break;
        query = { ...query, 'key-marker': page.nextKeyMarker, 'upload-id-marker': page.nextUploadIdMarker };
      }
      expect(listed).toBe(UPLOADS);

      const key = 'many/00042.bin';
      const uploadId = uploadIds[42]!;
      const first = await client.uploadPart(key, uploadId, 1, bytes(100 * 1024), 0, 100 * 1024);
      const second = await client.uploadPart(key, uploadId, 2, Buffer.from('tail'), 0, 4);
      expect((await listParts(client, key, uploadId)).parts.map((part) => part.PartNumber)).toEqual(['1', '2']);
      await client.completeMultipartUpload(key, uploadId, [
        { number: 1, etag: first.etag },
        { number: 2, etag: second.etag },
      ]);
      // The metadata given at Initiate, kept on disk only, is the completed object's.
      const head = await client.head(key);
      expect(head.res.headers).toMatchObject({ 'content-length': String(100 * 1024 + 4), 'x-oss-meta-notes': '42-'.padEnd(META_VALUE_BYTES, 'm') });
      expect(await failureOf(client.listParts(key, uploadId))).toMatchObject({ code: 'NoSuchUpload' });
    } finally {
      await restarted.stop();
    }
  });
});
