/**
 * `resumeUnfinished`: an unfinished upload whose file handle was saved continues after a reload
 * without a file dialog, and every way it can fail leaves the unfinished upload listed.
 */
import { describe, expect, it } from 'vitest';
import { UploadError } from '../../../src/engine/errors/upload-errors';
import type { Checkpoint } from '../../../src/engine/contracts';
import { byteSum, createRig, Gate, KiB, makeFile, PREFIX } from './fakes';
import { leaveUnfinished } from './unfinished';

type Permission = 'granted' | 'denied' | 'prompt';

/** A stand-in FileSystemFileHandle: which file it opens, what permission it answers, what was asked. */
function fakeHandle(opts: { file?: File; query?: Permission; request?: Permission; gone?: boolean } = {}) {
  const asked: string[] = [];
  const handle = {
    kind: 'file' as const,
    name: opts.file?.name ?? 'video.bin',
    asked,
    async queryPermission(): Promise<Permission> {
      asked.push('query');
      return opts.query ?? 'granted';
    },
    async requestPermission(): Promise<Permission> {
      asked.push('request');
      return opts.request ?? 'granted';
    },
    async getFile(): Promise<File> {
      if (opts.gone || !opts.file) throw new DOMException('A requested file or directory could not be found.', 'NotFoundError');
      return opts.file;
    },
  };
  return handle as typeof handle & FileSystemFileHandle;
}

async function withHandle(checkpoint: Checkpoint, handle: FileSystemFileHandle): Promise<Checkpoint> {
  return { ...checkpoint, handle };
}

async function failure(promise: Promise<unknown>): Promise<UploadError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(UploadError);
  return error as UploadError;
}

describe('resumeUnfinished', () => {
  it('asks for read permission, reopens the file and continues the same server upload', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const handle = fakeHandle({ file, query: 'prompt', request: 'granted' });
    await store.put(await withHandle(checkpoint, handle));
    const { uploader } = await createRig({ oss, storage: store });

    expect((await uploader.listUnfinished()).map((item) => item.hasHandle)).toEqual([true]);
    const upload = await uploader.resumeUnfinished(checkpoint.id);
    // Listed no more while it runs, so it cannot be resumed twice.
    expect(await uploader.listUnfinished()).toEqual([]);
    const result = await upload.finished;

    expect(handle.asked).toEqual(['query', 'request']);
    expect(oss.count('initiate')).toBe(0);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(result.key).toBe(checkpoint.key);
    expect(result.crc64).toBe(await byteSum(file));
    expect(upload.snapshot().resumed).toBe(true);
    expect(await store.list()).toEqual([]);
  });

  it('keeps the key and folder path of the unfinished upload, whatever the reopened file is called', async () => {
    const file = makeFile(350 * KiB, 'clip.bin');
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1], key: `${PREFIX}videos/2026/clip.bin` });
    await store.put({ ...checkpoint, relativePath: 'trip/clip.bin', handle: fakeHandle({ file }) });
    const { uploader } = await createRig({ oss, storage: store });
    const upload = await uploader.resumeUnfinished(checkpoint.id);
    expect((await upload.finished).key).toBe(`${PREFIX}videos/2026/clip.bin`);
    expect(upload.snapshot().relativePath).toBe('trip/clip.bin');
    expect(oss.count('initiate')).toBe(0);
  });

  it('does not ask again when permission is still granted', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    const handle = fakeHandle({ file, query: 'granted' });
    await store.put(await withHandle(checkpoint, handle));
    const { uploader } = await createRig({ oss, storage: store });
    await (await uploader.resumeUnfinished(checkpoint.id)).finished;
    expect(handle.asked).toEqual(['query']);
  });

  it.each([
    ['permission is refused', { query: 'prompt', request: 'denied' } as const, 'PERMISSION_DENIED'],
    ['the file was moved or deleted', { gone: true } as const, 'FILE_NOT_FOUND'],
  ])('fails with a typed error when %s, and the unfinished upload stays', async (_case, handleOptions, code) => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    await store.put(await withHandle(checkpoint, fakeHandle({ file, ...handleOptions })));
    const { uploader } = await createRig({ oss, storage: store });

    const error = await failure(uploader.resumeUnfinished(checkpoint.id));
    expect(error.code).toBe(code);
    expect(error.info.retryable).toBe(false);
    expect(uploader.uploads()).toEqual([]);
    expect((await uploader.listUnfinished()).map((item) => item.id)).toEqual([checkpoint.id]);
    expect(oss.count('initiate')).toBe(0);
    expect(oss.partNumbersPut()).toEqual([]);
  });

  it('refuses a file that changed since (another fingerprint) instead of mixing it into the old upload', async () => {
    const file = makeFile(350 * KiB, 'video.bin', 1);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    await store.put(await withHandle(checkpoint, fakeHandle({ file: makeFile(350 * KiB, 'video.bin', 2) })));
    const { uploader } = await createRig({ oss, storage: store });

    const error = await failure(uploader.resumeUnfinished(checkpoint.id));
    expect(error.code).toBe('FILE_CHANGED');
    expect(uploader.uploads()).toEqual([]);
    expect(await uploader.listUnfinished()).toHaveLength(1);
  });

  it('says FILE_NOT_FOUND for an unfinished upload without a saved handle', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    const { uploader } = await createRig({ oss, storage: store });
    expect((await uploader.listUnfinished())[0]?.hasHandle).toBe(false);
    expect((await failure(uploader.resumeUnfinished(checkpoint.id))).code).toBe('FILE_NOT_FOUND');
  });

  it('saves the handle given to add() with the checkpoint, so the next page can resume without a dialog', async () => {
    const file = makeFile(350 * KiB);
    const handle = fakeHandle({ file });
    const first = await createRig();
    // Every part but the first hangs until the page "reloads".
    const held = new Gate();
    first.oss.intercept((call) => (call.op === 'put' && (call.partNumber ?? 0) >= 2 ? held.wait(call.signal) : undefined));
    const upload = first.uploader.add(file, { handle });
    await expect.poll(async () => (await first.store.list())[0]?.doneParts.length).toBe(1);
    upload.pause();
    const saved = (await first.store.list())[0];
    expect(saved?.handle).toBe(handle);

    const second = await createRig({ oss: first.oss, storage: first.store });
    const [unfinished] = await second.uploader.listUnfinished();
    expect(unfinished?.hasHandle).toBe(true);
    held.open();
    const initiated = first.oss.count('initiate');
    await (await second.uploader.resumeUnfinished(unfinished!.id)).finished;
    expect(first.oss.count('initiate')).toBe(initiated);
  });
});

describe('resumeUnfinished twice', () => {
  it('two clicks in a row continue one upload, not two', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    await store.put({ ...checkpoint, handle: fakeHandleFor(file) });
    const { uploader } = await createRig({ oss, storage: store });
    const [first, second] = await Promise.all([uploader.resumeUnfinished(checkpoint.id), uploader.resumeUnfinished(checkpoint.id)]);
    expect(second).toBe(first);
    expect(uploader.uploads()).toHaveLength(1);
    await first.finished;
    expect(oss.count('listParts')).toBe(1);
  });
});

function fakeHandleFor(file: File): FileSystemFileHandle {
  return { kind: 'file', name: file.name, getFile: async () => file } as unknown as FileSystemFileHandle;
}
