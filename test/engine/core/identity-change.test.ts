/**
 * An unfinished upload whose key lies outside the prefix of the current credentials was started
 * under another identity: the identity cookie was lost (the browser was killed before it wrote its
 * cookies to disk) and the token endpoint gave this browser a new one, or another person signed in.
 * These credentials can neither continue nor abort it; the engine says so instead of calling it
 * another file, sends nothing for it, and keeps it (that identity may come back) until discarded.
 */
import { describe, expect, it } from 'vitest';
import type { Checkpoint, Credentials, CredentialsSource } from '../../../src/engine/contracts';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { UploadError } from '../../../src/engine/errors/upload-errors';
import { createRig, FakeCredentials, FakeOss, KiB, makeFile, persistentMemoryStore, PREFIX } from './fakes';
import { leaveUnfinished } from './unfinished';

/** The prefix an earlier identity uploaded under. */
const OTHER_PREFIX = 'users/7/';

/** OSS as the session policy makes it: these credentials may touch nothing outside their prefix. */
function prefixBoundOss(): FakeOss {
  const oss = new FakeOss();
  oss.intercept((call) => {
    if (!call.key.startsWith(PREFIX)) throw new EngineError('You have no right to access this object.', { status: 403, ossCode: 'AccessDenied', requestId: 'R403' });
  });
  return oss;
}

async function leftByAnotherIdentity(file: File, handle?: FileSystemFileHandle) {
  const oss = prefixBoundOss();
  const left = await leaveUnfinished(file, { oss, server: [1, 2], checkpoint: [1, 2], key: `${OTHER_PREFIX}${file.name}` });
  if (handle) await left.store.put({ ...left.checkpoint, handle });
  return left;
}

function handleFor(file: File): FileSystemFileHandle {
  return { kind: 'file', name: file.name, queryPermission: async () => 'granted', getFile: async () => file } as unknown as FileSystemFileHandle;
}

async function rejection(promise: Promise<unknown>): Promise<UploadError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(UploadError);
  return error as UploadError;
}

async function idsIn(store: { list(): Promise<Checkpoint[]> }): Promise<string[]> {
  return (await store.list()).map((checkpoint) => checkpoint.id);
}

describe('an unfinished upload started under another identity', () => {
  it('is not continued by resumeUnfinished: IDENTITY_CHANGED, nothing sent, the checkpoint kept', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leftByAnotherIdentity(file, handleFor(file));
    const { uploader } = await createRig({ oss, storage: store });

    const error = await rejection(uploader.resumeUnfinished(checkpoint.id));

    expect(error.code).toBe('IDENTITY_CHANGED');
    expect(error.info.retryable).toBe(false);
    expect(error.message).toMatch(/another identity/);
    expect(error.message).not.toMatch(/not the same file|changed/);
    expect(oss.calls).toEqual([]);
    expect(uploader.uploads()).toEqual([]);
    expect(await idsIn(store)).toEqual([checkpoint.id]);
    expect((await uploader.listUnfinished()).map((item) => item.id)).toEqual([checkpoint.id]);
    expect(oss.uploads.has(checkpoint.uploadId)).toBe(true);
  });

  it('fails the upload with IDENTITY_CHANGED before any request when the credentials come only once it runs', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leftByAnotherIdentity(file, handleFor(file));
    // The token endpoint does not answer at the click; it does when the upload runs.
    const fake = new FakeCredentials();
    let first = true;
    const credentials: CredentialsSource = {
      get: async (signal?: AbortSignal): Promise<Credentials> => {
        if (first) {
          first = false;
          throw new EngineError('Token endpoint unreachable', { status: 0 });
        }
        return fake.get(signal);
      },
      invalidate: (stale) => fake.invalidate(stale),
    };
    const { uploader } = await createRig({ oss, storage: store, credentials });

    const upload = await uploader.resumeUnfinished(checkpoint.id);
    const error = await rejection(upload.finished);

    expect(error.code).toBe('IDENTITY_CHANGED');
    expect(upload.snapshot()).toMatchObject({ state: 'failed', resumed: false, error: { code: 'IDENTITY_CHANGED', retryable: false } });
    expect(oss.calls).toEqual([]);
    expect(await idsIn(store)).toEqual([checkpoint.id]);
  });

  it('selected again: uploaded as a new file under the current prefix, saying why, the unfinished one untouched', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leftByAnotherIdentity(file);
    const { uploader } = await createRig({ oss, storage: store });

    const upload = uploader.add(file);
    const result = await upload.finished;

    expect(result.key).toBe(`${PREFIX}video.bin`);
    expect(oss.calls.filter((call) => !call.key.startsWith(PREFIX))).toEqual([]);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
    expect(upload.snapshot()).toMatchObject({ resumed: false, error: null });
    expect(upload.snapshot().notices).toEqual([
      { code: 'IDENTITY_CHANGED', message: expect.stringMatching(/another identity/), unfinishedId: checkpoint.id },
    ]);
    expect(await idsIn(store)).toEqual([checkpoint.id]);
    expect(oss.uploads.has(checkpoint.uploadId)).toBe(true);
  });

  it('can be discarded: forgotten here without an AbortMultipartUpload these credentials may not send', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leftByAnotherIdentity(file);
    const { uploader } = await createRig({ oss, storage: store });

    await uploader.discardUnfinished(checkpoint.id);

    expect(oss.calls).toEqual([]);
    expect(await store.list()).toEqual([]);
    expect(await uploader.listUnfinished()).toEqual([]);
  });

  it('does not hide an unfinished upload of the same file under the current prefix', async () => {
    const file = makeFile(350 * KiB);
    const oss = prefixBoundOss();
    const store = persistentMemoryStore();
    // The same file: started by the lost identity first, then again under this one.
    const elsewhere = await leaveUnfinished(file, { oss, store, server: [1], checkpoint: [1], key: `${OTHER_PREFIX}${file.name}` });
    const here = await leaveUnfinished(file, { oss, store, server: [1, 2], checkpoint: [1, 2] });
    const { uploader } = await createRig({ oss, storage: store });

    const upload = uploader.add(file);
    await upload.finished;

    expect(upload.snapshot()).toMatchObject({ resumed: true, notices: [] });
    expect(oss.count('initiate')).toBe(0);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(await idsIn(store)).toEqual([elsewhere.checkpoint.id]);
    expect(here.checkpoint.key).toBe(`${PREFIX}video.bin`);
  });
});
