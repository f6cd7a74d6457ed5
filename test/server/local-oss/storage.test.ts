import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OssError } from '../../../src/server/local-oss/errors';
import { EagerFlushWriteStream } from '../../../src/server/local-oss/storage/eager-flush-write-stream';
import { Storage } from '../../../src/server/local-oss/storage/storage';
import type { ObjectRecord } from '../../../src/server/local-oss/storage/records';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-oss-storage-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function objectFrom(key: string, blob: string, size: number): ObjectRecord {
  return { key, size, etag: '"X"', crc64: '0', lastModified: 0, type: 'Normal', headers: {}, segments: [{ blob, size }] };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('BlobStore', () => {
  it('hashes a body while streaming it to disk', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const blob = await storage.blobs.receive(Readable.from([Buffer.from('12345'), Buffer.from('6789')]), { maxBytes: 100 });
    expect(blob).toMatchObject({ size: 9, md5: '25F9E794323B453885F5181F1B624D0B', crc64: BigInt('0x995dc9bbdf1939fa').toString() });
    expect(await readAll(storage.blobs.read([{ blob: blob.blob, start: 2, end: 4 }]))).toBe('345');
  });

  it('leaves nothing behind when the body stops midway', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const body = new PassThrough();
    const receiving = storage.blobs.receive(body, { maxBytes: 100 });
    body.write('half a body');
    body.destroy(new Error('client went away'));
    await expect(receiving).rejects.toThrow('client went away');
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('leaves nothing behind when the body stops before its file is open', async () => {
    // A loaded disk opens the file after the body has failed: the failure must wait for the open.
    let opened!: () => void;
    const wasOpened = new Promise<void>((resolve) => (opened = resolve));
    const storage = await Storage.open(dataDir, ['b1'], {
      createWriteStream: (path) =>
        new EagerFlushWriteStream(path, {
          open: async (p) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            const { open } = await import('node:fs/promises');
            const file = await open(p, 'w');
            opened();
            return file;
          },
        }),
    });
    const body = new PassThrough();
    const receiving = storage.blobs.receive(body, { maxBytes: 100 });
    body.destroy(new Error('client went away'));
    await expect(receiving).rejects.toThrow('client went away');
    await wasOpened;
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('rejects a body over the limit with EntityTooLarge and keeps no file', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    await expect(storage.blobs.receive(Readable.from([Buffer.alloc(101)]), { maxBytes: 100 })).rejects.toMatchObject({ code: 'EntityTooLarge' });
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
  });

  it('rejects a body whose Content-MD5 differs with InvalidDigest', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const wrong = Buffer.alloc(16).toString('base64');
    await expect(storage.blobs.receive(Readable.from([Buffer.from('abc')]), { maxBytes: 100, expectedMd5Base64: wrong })).rejects.toMatchObject({ code: 'InvalidDigest' });
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
  });

  it('turns a full disk (ENOSPC) into InsufficientStorage 507 and keeps no file', async () => {
    // /dev/full fails every write with ENOSPC.
    const storage = await Storage.open(dataDir, ['b1'], { createWriteStream: () => createWriteStream('/dev/full') });
    const error = await storage.blobs.receive(Readable.from([Buffer.alloc(70_000, 1)]), { maxBytes: 1e6 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OssError);
    expect(error).toMatchObject({ code: 'InsufficientStorage', status: 507 });
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
    expect(await readdir(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('defers deleting a data file until its reader has finished', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const { blob } = await storage.blobs.receive(Readable.from([Buffer.from('still readable')]), { maxBytes: 100 });
    const reader = storage.blobs.read([{ blob, start: 0, end: 13 }]);
    await storage.blobs.delete(blob);
    expect(await readAll(reader)).toBe('still readable');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
  });
});

describe('BucketStore', () => {
  it('keeps objects and unfinished uploads across reopening, and sweeps uncommitted data', async () => {
    const first = await Storage.open(dataDir, ['b1']);
    const bucket = first.bucket('b1')!;
    const data = await first.blobs.receive(Readable.from([Buffer.from('object')]), { maxBytes: 100 });
    await bucket.putObject(objectFrom('k', data.blob, data.size), { forbidOverwrite: false });
    const upload = await bucket.initiateUpload('big', { 'content-type': 'video/mp4' }, 1);
    const part = await first.blobs.receive(Readable.from([Buffer.from('part')]), { maxBytes: 100 });
    await bucket.commitPart(upload.uploadId, 'big', { partNumber: 1, blob: part.blob, size: 4, md5: part.md5, crc64: part.crc64, lastModified: 1 });
    await first.blobs.receive(Readable.from([Buffer.from('never committed')]), { maxBytes: 100 });

    const second = await Storage.open(dataDir, ['b1']);
    const reopened = second.bucket('b1')!;
    expect(reopened.getObject('k')?.size).toBe(6);
    expect([...reopened.getUpload(upload.uploadId, 'big').parts.keys()]).toEqual([1]);
    expect((await readdir(join(dataDir, 'blobs'))).sort()).toEqual([data.blob, part.blob].sort());
  });

  it('forgets an upload whose parts already belong to an object (Complete interrupted before cleanup)', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const bucket = storage.bucket('b1')!;
    const upload = await bucket.initiateUpload('big', {}, 1);
    const part = await storage.blobs.receive(Readable.from([Buffer.from('part')]), { maxBytes: 100 });
    await bucket.commitPart(upload.uploadId, 'big', { partNumber: 1, blob: part.blob, size: 4, md5: part.md5, crc64: part.crc64, lastModified: 1 });
    await bucket.putObject(objectFrom('big', part.blob, 4), { forbidOverwrite: false });

    const reopened = (await Storage.open(dataDir, ['b1'])).bucket('b1')!;
    expect(() => reopened.getUpload(upload.uploadId, 'big')).toThrow(OssError);
    expect(await readFile(join(dataDir, 'blobs', part.blob), 'utf8')).toBe('part');
  });

  it('replaces a part sent twice and deletes the first data file', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const bucket = storage.bucket('b1')!;
    const upload = await bucket.initiateUpload('k', {}, 1);
    for (const text of ['first', 'second']) {
      const part = await storage.blobs.receive(Readable.from([Buffer.from(text)]), { maxBytes: 100 });
      await bucket.commitPart(upload.uploadId, 'k', { partNumber: 3, blob: part.blob, size: text.length, md5: part.md5, crc64: part.crc64, lastModified: 1 });
    }
    expect(bucket.getUpload(upload.uploadId, 'k').parts.get(3)?.size).toBe(6);
    expect(await readdir(join(dataDir, 'blobs'))).toHaveLength(1);
  });

  it('discards a part that finishes after its upload was aborted', async () => {
    const storage = await Storage.open(dataDir, ['b1']);
    const bucket = storage.bucket('b1')!;
    const upload = await bucket.initiateUpload('k', {}, 1);
    const part = await storage.blobs.receive(Readable.from([Buffer.from('late')]), { maxBytes: 100 });
    await bucket.abortUpload(upload.uploadId, 'k');
    await expect(bucket.commitPart(upload.uploadId, 'k', { partNumber: 1, blob: part.blob, size: 4, md5: part.md5, crc64: part.crc64, lastModified: 1 })).rejects.toMatchObject({ code: 'NoSuchUpload' });
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
  });
});
