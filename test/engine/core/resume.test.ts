import { describe, it, expect } from 'vitest';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { EXPIRED_NOTICE, FILE_CHANGED_NOTICE } from '../../../src/engine/resume/upload-session';
import { NOT_RESUMABLE_NOTICE } from '../../../src/engine/core/file-upload';
import { createMemoryCheckpointStore } from '../../../src/engine/checkpoints/memory-checkpoint-store';
import { byteSum, createRig, FakeOss, KiB, makeFile, persistentMemoryStore, PREFIX, settle } from './fakes';
import { DAY, leaveUnfinished } from './unfinished';

/** Adds a file differing from one left unfinished (in bytes, and as `change` says); expects these notice codes. */
async function leaveUnfinishedAndCheck(change: { key?: string; name?: string }, codes: string[]): Promise<void> {
  const old = makeFile(350 * KiB, 'video.bin', 1);
  const { oss, store } = await leaveUnfinished(old, { server: [1], checkpoint: [1] });
  const { uploader } = await createRig({ oss, storage: store });
  const upload = uploader.add(makeFile(350 * KiB, change.name ?? 'video.bin', 2), change.key ? { key: change.key } : {});
  await upload.finished;
  expect(upload.snapshot().notices.map((n) => n.code)).toEqual(codes);
}

describe('resume', () => {
  it('continues the upload of a checkpoint with the same fingerprint, sending only missing parts', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    const result = await upload.finished;
    expect(oss.count('initiate')).toBe(0);
    expect(oss.count('listParts')).toBe(1);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(result.crc64).toBe(await byteSum(file));
    expect(upload.snapshot().resumed).toBe(true);
    expect(await store.list()).toEqual([]);
  });

  it('trusts parts the server has beyond the checkpoint', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1] });
    const { uploader } = await createRig({ oss, storage: store });
    await uploader.add(file).finished;
    expect(oss.partNumbersPut()).toEqual([4]);
  });

  it('re-sends parts the checkpoint lists but the server lacks', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1], checkpoint: [1, 2, 3] });
    const { uploader } = await createRig({ oss, storage: store });
    await uploader.add(file).finished;
    expect(oss.partNumbersPut().sort()).toEqual([2, 3, 4]);
  });

  it('re-sends a server part whose size does not match the plan', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1, 2, 3], wrongSize: [2] });
    const { uploader } = await createRig({ oss, storage: store });
    const result = await uploader.add(file).finished;
    expect(oss.partNumbersPut().sort()).toEqual([2, 4]);
    expect(result.crc64).toBe(await byteSum(file));
  });

  it('with verification off, trusts listed parts and hashes only those whose CRC it does not know', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1] });
    oss.listsCrc = false;
    const { uploader, hasher } = await createRig({ oss, storage: store, verifyResumedParts: false });
    const result = await uploader.add(file).finished;
    // Part 1's CRC comes from the checkpoint; 2 and 3 are hashed; 4 is hashed as it is sent.
    expect(hasher.calls).toBe(3);
    expect(hasher.digests).toEqual([]);
    expect(result.crc64).toBe(await byteSum(file));
  });

  it('never resumes a different file with the same name and size', async () => {
    const old = makeFile(350 * KiB, 'video.bin', 1);
    const { oss, store, checkpoint } = await leaveUnfinished(old, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader } = await createRig({ oss, storage: store });
    const upload = uploader.add(makeFile(350 * KiB, 'video.bin', 2));
    await upload.finished;
    expect(oss.count('listParts')).toBe(0);
    expect(oss.count('initiate')).toBe(1);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
    expect(upload.snapshot()).toMatchObject({
      resumed: false,
      notices: [{ code: 'FILE_CHANGED', message: FILE_CHANGED_NOTICE, unfinishedId: checkpoint.id }],
    });
    expect((await store.list()).map((c) => c.id)).toEqual([checkpoint.id]);
    expect((await uploader.listUnfinished()).map((u) => u.id)).toEqual([checkpoint.id]);
    expect(oss.uploads.has(checkpoint.uploadId)).toBe(true);
  });

  it('says nothing about an unfinished upload of the same name sent to another key', async () => {
    await leaveUnfinishedAndCheck({ key: 'elsewhere.bin' }, []);
  });

  it('says nothing about an unfinished upload of another name to the same key', async () => {
    await leaveUnfinishedAndCheck({ name: 'other.bin', key: 'video.bin' }, []);
  });

  it('does not resume into another key', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    const { uploader } = await createRig({ oss, storage: store });
    const result = await uploader.add(file, { key: 'elsewhere.bin' }).finished;
    expect(result.key).toBe(`${PREFIX}elsewhere.bin`);
    expect(oss.count('initiate')).toBe(1);
  });

  it('starts again with a notice when the server no longer knows the upload', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    oss.uploads.clear();
    const { uploader } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    const ids: string[][] = [];
    oss.intercept(async (call) => {
      if (call.op === 'put') ids.push((await store.list()).map((c) => c.id));
    });
    await upload.finished;
    expect(oss.count('initiate')).toBe(1);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
    expect(upload.snapshot()).toMatchObject({
      resumed: false,
      notices: [{ code: 'UPLOAD_EXPIRED', message: EXPIRED_NOTICE }],
      state: 'done',
    });
    expect(ids.flat()).not.toContain(checkpoint.id);
  });

  it('ends done, sending nothing, when every part was sent and a Complete whose answer never arrived had completed it', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3, 4], checkpoint: [1, 2, 3, 4] });
    // The earlier page's Complete worked; the page closed before the answer came.
    oss.uploads.clear();
    oss.objects.set(`${PREFIX}video.bin`, { etag: '"M-4"', crc64: await byteSum(file), size: file.size });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    const result = await upload.finished;

    expect(result).toEqual({ key: `${PREFIX}video.bin`, etag: '"M-4"', crc64: await byteSum(file), size: file.size });
    expect(oss.calls.map((c) => c.op)).toEqual(['listParts', 'objectInfo', 'complete', 'objectInfo']);
    // The local file was read to prove the object is this file.
    expect(hasher.partsDigested).toBe(4);
    expect(upload.snapshot()).toMatchObject({ state: 'done', resumed: true, notices: [] });
    expect(await store.list()).toEqual([]);
  });

  it('starts again with a notice when the object at the key is not this file', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3, 4], checkpoint: [1, 2, 3, 4] });
    oss.uploads.clear();
    oss.objects.set(`${PREFIX}video.bin`, { etag: '"OTHER"', crc64: '12345', size: file.size });
    const { uploader } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    await upload.finished;
    expect(oss.count('initiate')).toBe(1);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
    expect(upload.snapshot().notices.map((n) => n.code)).toEqual(['UPLOAD_EXPIRED']);
  });

  it('does not look for a completed object when the checkpoint lacks parts', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    oss.uploads.clear();
    const { uploader } = await createRig({ oss, storage: store });
    await uploader.add(file).finished;
    expect(oss.count('objectInfo')).toBe(0);
    expect(oss.count('initiate')).toBe(1);
  });

  it('keeps uploading without persistence, saying resume after reload is off', async () => {
    const { uploader } = await createRig({ storage: createMemoryCheckpointStore() });
    expect(uploader.resumable).toBe(false);
    const upload = uploader.add(makeFile(350 * KiB));
    await upload.finished;
    expect(upload.snapshot().notices.map((n) => n.message)).toEqual([NOT_RESUMABLE_NOTICE]);
  });
});

describe('unfinished uploads', () => {
  it('lists name, size, bytes done and age of checkpoints from earlier sessions', async () => {
    const file = makeFile(350 * KiB, 'a.bin');
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader } = await createRig({ oss, storage: store });
    expect(await uploader.listUnfinished()).toEqual([
      {
        id: checkpoint.id,
        name: 'a.bin',
        size: 350 * KiB,
        bytesDone: 200 * KiB,
        key: `${PREFIX}a.bin`,
        createdAt: checkpoint.createdAt,
        updatedAt: checkpoint.updatedAt,
        hasHandle: false,
      },
    ]);
  });

  it('leaves out uploads running in this uploader', async () => {
    const { uploader, oss } = await createRig();
    let listed: unknown[] | undefined;
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.partNumber === 2) listed = await uploader.listUnfinished();
    });
    await uploader.add(makeFile(350 * KiB)).finished;
    expect(listed).toEqual([]);
  });

  it('discards one: aborts the multipart upload and deletes the checkpoint', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    const { uploader } = await createRig({ oss, storage: store });
    await uploader.discardUnfinished(checkpoint.id);
    expect(oss.count('abort', { uploadId: checkpoint.uploadId })).toBe(1);
    expect(oss.uploads.size).toBe(0);
    expect(await store.list()).toEqual([]);
  });

  it('keeps the checkpoint when the abort fails, and says why', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    const { uploader } = await createRig({ oss, storage: store });
    oss.intercept((call) => {
      if (call.op === 'abort') throw new EngineError('down', { status: 0 });
    });
    const [item] = await uploader.listUnfinished();
    await expect(uploader.discardUnfinished(item?.id ?? '')).rejects.toMatchObject({ info: { code: 'NETWORK' } });
    expect(await store.list()).toHaveLength(1);
  });

  it('aborts and forgets checkpoints older than maxCheckpointAgeMs when created', async () => {
    const store = persistentMemoryStore();
    const oss = new FakeOss();
    const now = 1_800_000_000_000;
    const stale = await leaveUnfinished(makeFile(350 * KiB, 'old.bin'), { server: [1], checkpoint: [1], oss, store, updatedAt: now - 8 * DAY });
    const fresh = await leaveUnfinished(makeFile(350 * KiB, 'new.bin'), { server: [1], checkpoint: [1], oss, store, updatedAt: now - DAY });
    const aborted = oss.answered('abort');
    const { uploader } = await createRig({ oss, storage: store });
    expect((await uploader.listUnfinished()).map((u) => u.id)).toEqual([fresh.checkpoint.id]);
    await aborted;
    expect(oss.count('abort', { uploadId: stale.checkpoint.uploadId })).toBe(1);
    expect(oss.count('abort', { uploadId: fresh.checkpoint.uploadId })).toBe(0);
  });
});
