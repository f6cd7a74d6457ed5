import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { createIdbCheckpointStore } from '../../src/engine/checkpoints/idb-checkpoint-store';
import { createMemoryCheckpointStore } from '../../src/engine/checkpoints/memory-checkpoint-store';
import type { CheckpointStore } from '../../src/engine/contracts';
import { makeCheckpoint } from './fixtures';

let dbCounter = 0;

/** One contract, every implementation: what the engine may rely on from any CheckpointStore. */
const implementations: Array<[string, () => Promise<CheckpointStore>]> = [
  ['memory', async () => createMemoryCheckpointStore()],
  ['IndexedDB', () => createIdbCheckpointStore({ dbName: `test-${++dbCounter}` })],
];

describe.each(implementations)('CheckpointStore contract: %s', (_name, create) => {
  it('returns undefined for an unknown id or fingerprint, and an empty list', async () => {
    const store = await create();
    expect(await store.get('nope')).toBeUndefined();
    expect(await store.findByFingerprint('v1:nope')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('gets back what was put, by id and by fingerprint', async () => {
    const store = await create();
    const checkpoint = makeCheckpoint({ doneParts: [{ number: 1, etag: '"E1"', crc64: '1', size: 1024 }] });
    await store.put(checkpoint);
    expect(await store.get(checkpoint.id)).toEqual(checkpoint);
    expect(await store.findByFingerprint(checkpoint.fingerprint)).toEqual(checkpoint);
  });

  it('replaces a checkpoint put again under the same id', async () => {
    const store = await create();
    await store.put(makeCheckpoint());
    const updated = makeCheckpoint({ doneParts: [{ number: 1, etag: '"E1"', crc64: '1', size: 1024 }], updatedAt: 2 });
    await store.put(updated);
    expect(await store.list()).toEqual([updated]);
  });

  it('lists all checkpoints and forgets a deleted one', async () => {
    const store = await create();
    await store.put(makeCheckpoint({ id: 'a', fingerprint: 'v1:a' }));
    await store.put(makeCheckpoint({ id: 'b', fingerprint: 'v1:b' }));
    expect((await store.list()).map((c) => c.id).sort()).toEqual(['a', 'b']);
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    expect(await store.findByFingerprint('v1:a')).toBeUndefined();
    expect((await store.list()).map((c) => c.id)).toEqual(['b']);
    await store.delete('never-existed');
  });

  it('keeps its own copy: changing a checkpoint after put or get does not change the stored one', async () => {
    const store = await create();
    const checkpoint = makeCheckpoint();
    await store.put(checkpoint);
    checkpoint.doneParts.push({ number: 9, etag: '"X"', crc64: '9', size: 1 });
    const read = await store.get(checkpoint.id);
    read!.uploadId = 'changed';
    expect(await store.get(checkpoint.id)).toEqual(makeCheckpoint());
  });
});

describe('createIdbCheckpointStore', () => {
  it('is persistent, and checkpoints survive reopening the database', async () => {
    const dbName = `reopen-${++dbCounter}`;
    const first = await createIdbCheckpointStore({ dbName });
    expect(first.persistent).toBe(true);
    await first.put(makeCheckpoint());
    const second = await createIdbCheckpointStore({ dbName });
    expect(await second.get('cp-1')).toEqual(makeCheckpoint());
  });

  it('ignores records that are not checkpoints', async () => {
    const dbName = `junk-${++dbCounter}`;
    const store = await createIdbCheckpointStore({ dbName });
    const { set, createStore } = await import('idb-keyval');
    await set('junk', { id: 'junk', hello: 'world' }, createStore(dbName, 'checkpoints'));
    await store.put(makeCheckpoint());
    expect((await store.list()).map((c) => c.id)).toEqual(['cp-1']);
    expect(await store.get('junk')).toBeUndefined();
  });

  it('works in memory, not persistent, when IndexedDB does not exist', async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error simulating a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      const store = await createIdbCheckpointStore({ dbName: `none-${++dbCounter}` });
      expect(store.persistent).toBe(false);
      await store.put(makeCheckpoint());
      expect(await store.get('cp-1')).toEqual(makeCheckpoint());
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('works in memory, not persistent, when IndexedDB refuses to open', async () => {
    const saved = globalThis.indexedDB;
    globalThis.indexedDB = refusingFactory();
    try {
      const store = await createIdbCheckpointStore({ dbName: `refused-${++dbCounter}` });
      expect(store.persistent).toBe(false);
      await store.put(makeCheckpoint());
      expect(await store.list()).toEqual([makeCheckpoint()]);
    } finally {
      globalThis.indexedDB = saved;
    }
  });

  it('falls back to memory without throwing when a write fails later (quota), keeping what it could read', async () => {
    const dbName = `quota-${++dbCounter}`;
    const store = await createIdbCheckpointStore({ dbName });
    await store.put(makeCheckpoint({ id: 'old', fingerprint: 'v1:old' }));
    const restore = failWrites();
    try {
      await expect(store.put(makeCheckpoint({ id: 'new', fingerprint: 'v1:new' }))).resolves.toBeUndefined();
      expect(store.persistent).toBe(false);
      expect((await store.list()).map((c) => c.id).sort()).toEqual(['new', 'old']);
    } finally {
      restore();
    }
  });
});

/** An IDBFactory whose open() always fails, as in some private browsing modes. */
function refusingFactory(): IDBFactory {
  const factory = new IDBFactory();
  factory.open = () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  };
  return factory;
}

/** Makes every IndexedDB put fail with QuotaExceededError until restored. */
function failWrites(): () => void {
  const proto = IDBObjectStore.prototype;
  const original = proto.put;
  proto.put = function put() {
    throw new DOMException('Quota exceeded', 'QuotaExceededError');
  };
  return () => {
    proto.put = original;
  };
}
