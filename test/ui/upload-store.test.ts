import { beforeEach, describe, expect, test, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { defineUploadStore, type UploadStoreEvent } from '../../src/ui/store/upload-store';
import { missedResume } from '../../src/ui/store/upload-row';
import { rememberHandle } from '../../src/ui/files/file-handles';
import { FakeUploader, fileOf, unfinishedUpload } from './fake-uploader';

let engine: FakeUploader;
let createdEngines: number;

function makeStore(options: ConstructorParameters<typeof FakeUploader>[0] = {}) {
  engine = new FakeUploader(options);
  createdEngines = 0;
  const useStore = defineUploadStore('uploads-test', async () => {
    createdEngines += 1;
    return engine;
  });
  return useStore();
}

beforeEach(() => {
  setActivePinia(createPinia());
});

describe('upload store', () => {
  test('creates the engine once and loads the unfinished uploads', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload()] });
    await Promise.all([store.start(), store.start()]);
    expect(createdEngines).toBe(1);
    expect(store.status).toBe('ready');
    expect(store.unfinished.map((item) => item.id)).toEqual(['cp-1']);
  });

  test('hands picked files to the engine at once when autoStart is on', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin'), fileOf('b.bin')], { autoStart: true });
    expect(engine.added.map((upload) => upload.file.name)).toEqual(['a.bin', 'b.bin']);
    expect(store.rows.map((row) => [row.id, row.state])).toEqual([
      ['upload-1', 'queued'],
      ['upload-2', 'queued'],
    ]);
  });

  test('keeps files pending until startPending when autoStart is off', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin')], { autoStart: false });
    expect(store.rows[0]?.state).toBe('pending');
    expect(engine.added).toHaveLength(0);
    await store.startPending();
    expect(engine.added).toHaveLength(1);
    expect(store.rows[0]?.id).toBe('upload-1');
  });

  test('passes the object key chosen for a file', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin')], { autoStart: true, keyOf: (file) => `custom/${file.name}` });
    expect(engine.added[0]?.options).toEqual({ key: 'custom/a.bin' });
  });

  test('mirrors engine events into plain rows', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin', 1000)], { autoStart: true });
    engine.added[0]?.progressTo(0.25, 500);
    const row = store.rows[0];
    expect(row?.state).toBe('uploading');
    expect(row?.progress).toMatchObject({ bytesUploaded: 250, fraction: 0.25, speed: 500 });
  });

  test('never exposes the engine on the store', async () => {
    const store = makeStore();
    await store.start();
    const values = Object.values(store);
    expect(values).not.toContain(engine);
    expect(values.some((value) => value instanceof FakeUploader)).toBe(false);
  });

  test('forwards pause, resume, retry and cancel to the right upload', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin'), fileOf('b.bin')], { autoStart: true });
    store.pause('upload-2');
    store.resume('upload-2');
    store.retry('upload-2');
    await store.cancel('upload-2');
    expect(engine.added[0]?.calls).toEqual([]);
    expect(engine.added[1]?.calls).toEqual(['pause', 'resume', 'retry', 'cancel']);
    expect(store.rows[1]?.state).toBe('canceled');
  });

  test('cancels a running upload before removing its row', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin')], { autoStart: true });
    engine.added[0]?.progressTo(0.5);
    await store.remove('upload-1');
    expect(engine.added[0]?.calls).toEqual(['cancel']);
    expect(store.rows).toEqual([]);
  });

  test('removes a finished row without canceling it', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin')], { autoStart: true });
    engine.added[0]?.finish();
    await store.remove('upload-1');
    expect(engine.added[0]?.calls).toEqual([]);
    expect(store.rows).toEqual([]);
  });

  test('sums totals over the files that are not canceled', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin', 1000), fileOf('b.bin', 3000), fileOf('c.bin', 500)], { autoStart: true });
    engine.added[0]?.finish();
    engine.added[1]?.progressTo(0.5, 200);
    await store.cancel('upload-3');
    expect(store.totals).toEqual({ files: 2, finished: 1, bytesUploaded: 2500, bytesTotal: 4000, speed: 200, active: true });
    engine.added[1]?.finish();
    expect(store.totals.active).toBe(false);
  });

  test('reports success and failure per upload', async () => {
    const store = makeStore();
    const events: UploadStoreEvent[] = [];
    store.onUploadEvent((event) => events.push(event));
    await store.addFiles([fileOf('a.bin'), fileOf('b.bin')], { autoStart: true });
    const result = engine.added[0]!.finish({ key: 'uploads/a.bin', etag: '"e1"', crc64: '42' });
    engine.added[1]?.fail({ code: 'ACCESS_DENIED', retryable: false });
    expect(events.find((event) => event.type === 'success')).toMatchObject({ result });
    expect(events.find((event) => event.type === 'error')).toMatchObject({ error: { code: 'ACCESS_DENIED' }, row: { name: 'b.bin' } });
    expect(store.rows[1]?.error?.code).toBe('ACCESS_DENIED');
  });

  test('hides an unfinished upload once it continues in this page', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload({ name: 'movie.mp4', key: 'uploads/movie.mp4' })] });
    await store.start();
    await store.addFiles([fileOf('movie.mp4')], { autoStart: true });
    expect(store.visibleUnfinished).toHaveLength(1);
    engine.added[0]?.update({ state: 'uploading', resumed: true, key: 'uploads/movie.mp4' });
    expect(store.visibleUnfinished).toHaveLength(0);
  });

  test('flags a same-named file that did not resume', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload({ name: 'movie.mp4' })] });
    await store.start();
    await store.addFiles([fileOf('movie.mp4'), fileOf('other.mp4')], { autoStart: true });
    expect(store.rows.map((row) => row.expectedResume)).toEqual([true, false]);
    expect(missedResume(store.rows[0]!)).toBe(false); // still preparing: not known yet
    engine.added[0]?.progressTo(0.1);
    expect(missedResume(store.rows[0]!)).toBe(true);
  });

  test('discards an unfinished upload through the engine', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload({ id: 'cp-1' }), unfinishedUpload({ id: 'cp-2', name: 'b.iso' })] });
    await store.start();
    await store.discardUnfinished('cp-1');
    expect(engine.discarded).toEqual(['cp-1']);
    expect(store.unfinished.map((item) => item.id)).toEqual(['cp-2']);
  });

  test('reports an engine that cannot start', async () => {
    setActivePinia(createPinia());
    const useStore = defineUploadStore('failing', async () => {
      throw new Error('IndexedDB exploded');
    });
    const store = useStore();
    await store.addFiles([fileOf('a.bin')], { autoStart: true });
    expect(store.status).toBe('failed');
    expect(store.startError).toBe('IndexedDB exploded');
    expect(store.rows[0]?.state).toBe('pending');
  });

  test('$reset destroys the engine and drops every subscription', async () => {
    const store = makeStore();
    await store.addFiles([fileOf('a.bin')], { autoStart: true });
    expect(engine.listenerCount).toBeGreaterThan(0);
    store.$reset();
    expect(engine.destroyed).toBe(true);
    expect(engine.listenerCount).toBe(0);
    expect(store.rows).toEqual([]);
    expect(store.status).toBe('idle');
  });

  test('disposing the store destroys the engine', async () => {
    const store = makeStore();
    await store.start();
    store.$dispose();
    expect(engine.destroyed).toBe(true);
    expect(engine.listenerCount).toBe(0);
  });
});

describe('files with handles and one-click resume', () => {
  const handle = { kind: 'file', name: 'a.bin' } as unknown as FileSystemFileHandle;

  test('a file picked with a handle hands that handle to the engine', async () => {
    const store = makeStore();
    await store.addFiles([rememberHandle(fileOf('a.bin'), handle), fileOf('b.bin')], { autoStart: true, keyOf: () => 'k' });
    expect(engine.added[0]?.options).toEqual({ key: 'k', handle });
    expect(engine.added[1]?.options).toEqual({ key: 'k' });
  });

  test('resume continues an unfinished upload as a row and takes it off the list', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload({ id: 'cp-1', name: 'movie.mp4', hasHandle: true })] });
    await store.start();
    expect(store.resumesFromHandles).toBe(true);
    await store.resumeUnfinished('cp-1');
    expect(engine.resumedUnfinished).toEqual(['cp-1']);
    expect(store.rows.map((row) => [row.name, row.resumed])).toEqual([['movie.mp4', true]]);
    expect(store.unfinished).toEqual([]);
    expect(store.resumeErrors).toEqual({});
  });

  test('a failed resume keeps the entry and says why, until the next try', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload({ id: 'cp-1', hasHandle: true })] });
    await store.start();
    engine.resumeFailures.set('cp-1', { code: 'PERMISSION_DENIED', message: 'Permission to read the file was not given.', retryable: false });
    await store.resumeUnfinished('cp-1');
    expect(store.resumeErrors['cp-1']?.code).toBe('PERMISSION_DENIED');
    expect(store.unfinished.map((item) => item.id)).toEqual(['cp-1']);
    expect(store.rows).toEqual([]);

    engine.resumeFailures.delete('cp-1');
    await store.resumeUnfinished('cp-1');
    expect(store.resumeErrors).toEqual({});
    expect(store.rows).toHaveLength(1);
  });

  test('an unfinished upload the engine found started under another identity is marked, and a failed resume of it too', async () => {
    const store = makeStore({ unfinished: [unfinishedUpload({ id: 'cp-1', name: 'movie.mp4' }), unfinishedUpload({ id: 'cp-2', name: 'clip.mp4' })] });
    await store.addFiles([fileOf('movie.mp4')], { autoStart: true });
    engine.added[0]?.update({
      state: 'uploading',
      notices: [{ code: 'IDENTITY_CHANGED', message: 'engine words', unfinishedId: 'cp-1' }],
    });
    expect(store.unfinishedErrors).toEqual({ 'cp-1': { code: 'IDENTITY_CHANGED', message: 'engine words', retryable: false } });

    engine.resumeFailures.set('cp-2', { code: 'IDENTITY_CHANGED', message: 'refused', retryable: false });
    await store.resumeUnfinished('cp-2');
    expect(Object.keys(store.unfinishedErrors).sort()).toEqual(['cp-1', 'cp-2']);
    expect(store.unfinished.map((item) => item.id)).toEqual(['cp-1', 'cp-2']);
  });
});


describe('a selection of many files', () => {
  test('is listed in slices, each a task of its own, the first files handed to a running engine in the first slice', async () => {
    const store = makeStore();
    await store.start();
    // Each file takes 5 ms of the clock: a slice (8 ms) holds two of them.
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += 2.5));
    const files = Array.from({ length: 10 }, (_, i) => fileOf(`f${i}.bin`));
    const adding = store.addFiles(files, { autoStart: true });
    // Before yielding: only the first slice, already given to the engine (no pending rows first).
    const firstSlice = store.rows.length;
    expect(firstSlice).toBeGreaterThan(0);
    expect(firstSlice).toBeLessThan(files.length);
    expect(engine.added).toHaveLength(firstSlice);
    expect(store.rows.every((row) => row.state === 'queued')).toBe(true);
    expect(store.totals.files).toBe(firstSlice);
    await adding;
    clock.mockRestore();
    expect(engine.added.map((upload) => upload.file.name)).toEqual(files.map((file) => file.name));
    expect(store.totals.files).toBe(files.length);
  });

  test('waits as pending rows, listed in slices too, when autoStart is off', async () => {
    const store = makeStore();
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += 2.5));
    const adding = store.addFiles(Array.from({ length: 10 }, (_, i) => fileOf(`f${i}.bin`)), { autoStart: false });
    expect(store.rows.length).toBeLessThan(10);
    await adding;
    clock.mockRestore();
    expect(store.rows.map((row) => row.state)).toEqual(Array(10).fill('pending'));
    expect(store.pendingCount).toBe(10);
    expect(engine.added).toHaveLength(0);
  });
});
