/**
 * Checkpoint reads for many files: every multipart file added in one go shares one read of the
 * store (one IndexedDB transaction), indexed by fingerprint and by name; a small file, sent as one
 * PutObject, reads nothing.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdbCheckpointStore } from '../../../src/engine/checkpoints/idb-checkpoint-store';
import { indexCheckpoints } from '../../../src/engine/resume/checkpoint-lookup';
import { makeCheckpoint } from '../fixtures';
import { createRig, fingerprintOf, KiB, makeFile } from './fakes';

let dbCounter = 0;
const transaction = IDBDatabase.prototype.transaction;

afterEach(() => {
  IDBDatabase.prototype.transaction = transaction;
});

/** Counts read-only IndexedDB transactions from now on (writes of checkpoints are readwrite). */
function countReads(): { readonly reads: number } {
  const counter = { reads: 0 };
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    if ((args[1] ?? 'readonly') === 'readonly') counter.reads += 1;
    return transaction.apply(this, args);
  };
  return counter;
}

async function idbRig(parallel: number) {
  const storage = await createIdbCheckpointStore({ dbName: `lookup-${++dbCounter}` });
  return createRig({ storage, parallel });
}

describe('checkpoint lookups for many files', () => {
  it('twenty multipart files added at once read the checkpoints in one IndexedDB transaction, not one per file', async () => {
    const { uploader, store } = await idbRig(2);
    const files = Array.from({ length: 20 }, (_, i) => makeFile(350 * KiB, `big-${i}.bin`, i + 1));
    // One of them was left unfinished earlier: it is still found, by fingerprint, and resumed.
    const earlier = makeCheckpoint({ fingerprint: await fingerprintOf(files[7]!), key: 'users/42/big-7.bin', bucket: 'examplebucket', name: 'big-7.bin', size: 350 * KiB, partSize: 100 * KiB, uploadId: 'up-earlier' });
    await store.put(earlier);
    const counter = countReads();
    const uploads = files.map((file) => uploader.add(file));
    await Promise.allSettled(uploads.map((upload) => upload.finished));
    expect(counter.reads).toBe(1);
    expect(uploads[7]!.snapshot().notices.map((notice) => notice.code)).toContain('UPLOAD_EXPIRED');
  });

  it('small files, sent as one PutObject each, read no checkpoint at all', async () => {
    const { uploader } = await idbRig(4);
    const counter = countReads();
    const uploads = Array.from({ length: 20 }, (_, i) => uploader.add(makeFile(50 * KiB, `small-${i}.bin`, i + 1)));
    await Promise.all(uploads.map((upload) => upload.finished));
    expect(counter.reads).toBe(0);
  });

  it('the index finds checkpoints by fingerprint and by name and folder path, in the order read', () => {
    const a = makeCheckpoint({ id: 'a', fingerprint: 'fp1', name: 'x.bin' });
    const b = makeCheckpoint({ id: 'b', fingerprint: 'fp1', name: 'y.bin', relativePath: 'trip/y.bin' });
    const c = makeCheckpoint({ id: 'c', fingerprint: 'fp2', name: 'x.bin' });
    const index = indexCheckpoints([a, b, c]);
    expect(index.byFingerprint('fp1').map((cp) => cp.id)).toEqual(['a', 'b']);
    expect(index.byFingerprint('nope')).toEqual([]);
    expect(index.byName('x.bin', undefined).map((cp) => cp.id)).toEqual(['a', 'c']);
    expect(index.byName('y.bin', 'trip/y.bin').map((cp) => cp.id)).toEqual(['b']);
    expect(index.byName('y.bin', undefined)).toEqual([]);
  });
});
