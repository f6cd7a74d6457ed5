import { afterEach, describe, it, expect, vi } from 'vitest';
import { EngineError } from '../../../src/engine/errors/engine-error';
import type { PageEvents, Upload, UploadSnapshot } from '../../../src/engine/contracts';
import { createRig, FakeHasher, FakeOss, Gate, KiB, makeFile, settle } from './fakes';
import { FileUpload } from '../../../src/engine/core/file-upload';
import { InProcessWorker } from '../support/in-process-worker';

describe('queue', () => {
  it('keeps parts in flight across all uploads within `parallel`', async () => {
    const { uploader, oss } = await createRig({ parallel: 3 });
    let inFlight = 0;
    let most = 0;
    oss.intercept(async (call) => {
      if (call.op !== 'put') return;
      inFlight++;
      most = Math.max(most, inFlight);
      await settle(2);
      inFlight--;
    });
    const uploads = ['a', 'b', 'c', 'd', 'e'].map((name, i) => uploader.add(makeFile(350 * KiB, `${name}.bin`, i + 1)));
    await Promise.all(uploads.map((u) => u.finished));
    expect(most).toBe(3);
    expect(oss.objects.size).toBe(5);
  });

  it('starts uploads in the order they were added; the rest stay queued until a slot is free', async () => {
    const { uploader, oss } = await createRig({ parallel: 1 });
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'initiate') await gate.wait(call.signal);
    });
    const uploads = ['a', 'b', 'c'].map((name, i) => uploader.add(makeFile(350 * KiB, `${name}.bin`, i + 1)));
    await gate.reached(1);
    expect(uploads.map((u) => u.snapshot().state)).toEqual(['preparing', 'queued', 'queued']);
    gate.open();
    await Promise.all(uploads.map((u) => u.finished));
    expect(oss.calls.filter((c) => c.op === 'initiate').map((c) => c.key)).toEqual(['users/42/a.bin', 'users/42/b.bin', 'users/42/c.bin']);
  });

  it('shares the slots fairly between uploads instead of giving all to the first', async () => {
    const { uploader, oss } = await createRig({ parallel: 2 });
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put') await gate.wait(call.signal);
    });
    const uploads = [uploader.add(makeFile(1000 * KiB, 'a.bin', 1)), uploader.add(makeFile(1000 * KiB, 'b.bin', 2))];
    await gate.reached(2);
    const waitingKeys = oss.calls.filter((c) => c.op === 'put').map((c) => c.key);
    expect(waitingKeys.sort()).toEqual(['users/42/a.bin', 'users/42/b.bin']);
    gate.open();
    await Promise.all(uploads.map((u) => u.finished));
  });

  it('a paused upload frees its slots for the next one', async () => {
    const { uploader, oss } = await createRig({ parallel: 1 });
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.key.endsWith('a.bin')) await gate.wait(call.signal);
    });
    const a = uploader.add(makeFile(350 * KiB, 'a.bin', 1));
    const b = uploader.add(makeFile(350 * KiB, 'b.bin', 2));
    await gate.reached(1);
    a.pause();
    await b.finished;
    expect(a.snapshot().state).toBe('paused');
  });

  it('announces added uploads and every change with snapshots of all uploads', async () => {
    const { uploader } = await createRig();
    const added: Upload[] = [];
    const changes: UploadSnapshot[][] = [];
    uploader.on('added', (u) => added.push(u));
    uploader.on('change', (snapshots) => changes.push(snapshots));
    const a = uploader.add(makeFile(10, 'a.txt'));
    const b = uploader.add(makeFile(350 * KiB, 'b.bin'));
    await Promise.all([a.finished, b.finished]);
    expect(added).toEqual([a, b]);
    expect(uploader.uploads()).toEqual([a, b]);
    // The last state change of a task may be sent at the start of the next one.
    const allDone = (snapshots: UploadSnapshot[] | undefined): boolean => snapshots?.every((s) => s.state === 'done') === true;
    if (!allDone(changes.at(-1))) await new Promise<void>((resolve) => uploader.on('change', (snapshots) => allDone(snapshots) && resolve()));
    expect(changes.at(-1)?.map((s) => s.state)).toEqual(['done', 'done']);
    expect(changes.some((snapshots) => snapshots.some((s) => s.state === 'uploading'))).toBe(true);
  });

  it('flushes checkpoints on pagehide and detaches on destroy', async () => {
    const listeners = new Set<() => void>();
    const pageEvents: PageEvents = {
      addEventListener: (_type, listener) => listeners.add(listener),
      removeEventListener: (_type, listener) => listeners.delete(listener),
    };
    const { uploader, oss } = await createRig({ pageEvents });
    expect(listeners.size).toBe(1);
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.partNumber === 2) await gate.wait(call.signal);
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(1);
    for (const listener of listeners) listener();
    uploader.destroy();
    expect(listeners.size).toBe(0);
    expect(upload.snapshot().state).toBe('paused');
  });
});

describe('update', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sends the first change of a task at once and the rest of that task in one update at the start of the next', async () => {
    const { uploader, oss } = await createRig({ parallel: 1 });
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put') await gate.wait(call.signal);
    });
    const updates: UploadSnapshot[][] = [];
    uploader.onUpdate((changed) => updates.push(changed));
    const uploads = Array.from({ length: 50 }, (_, i) => uploader.add(makeFile(10, `f${i}.txt`, i + 1)));
    const states = new Map<string, string[]>(uploads.map((u) => [u.id, []]));
    for (const upload of uploads) upload.on('state', (s) => states.get(s.id)!.push(s.state));
    // One update so far (the leading edge), not one per file.
    expect(updates).toEqual([[expect.objectContaining({ id: uploads[0]!.id, state: 'queued' })]]);
    const next = await new Promise<UploadSnapshot[]>((resolve) => {
      const off = uploader.onUpdate((changed) => (off(), resolve(changed)));
    });
    expect(updates).toHaveLength(2);
    const ids = next.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(uploads.slice(1).map((u) => u.id)));
    // Each with its latest snapshot.
    for (const snapshot of next) expect(snapshot.state).toBe(uploads.find((u) => u.id === snapshot.id)!.snapshot().state);
    gate.open();
    await Promise.all(uploads.map((u) => u.finished));
    // Every upload's own state events come one per transition, none skipped.
    for (const seen of states.values()) expect(seen.slice(-3)).toEqual(['uploading', 'completing', 'done']);
    expect(states.get(uploads[49]!.id)).toEqual(['preparing', 'uploading', 'completing', 'done']);
  });

  it('builds snapshots only for the events someone reads, not one per state change for the queue', async () => {
    const { uploader } = await createRig();
    const snapshot = vi.spyOn(FileUpload.prototype, 'snapshot');
    let sent = 0;
    uploader.onUpdate((changed) => (sent += changed.length));
    const uploads = Array.from({ length: 10 }, (_, i) => uploader.add(makeFile(10, `f${i}.txt`, i + 1)));
    await Promise.all(uploads.map((u) => u.finished));
    // The updates' snapshots, and the one each `done` event carries.
    const built = snapshot.mock.contexts.filter((upload) => (uploads as unknown[]).includes(upload)).length;
    expect(built).toBeLessThanOrEqual(sent + uploads.length);
  });
});

describe('set-up before the first file', () => {
  it('loads the control plane when the uploader is created, and starts the credentials and a hashing worker with the first file, together', async () => {
    const oss = new FakeOss();
    const preloads: string[] = [];
    const control = { ...oss.control, preload: () => void preloads.push('control') };
    const hasher = Object.assign(new FakeHasher(), { preload: () => void preloads.push('hasher') });
    const { uploader, credentials } = await createRig({ oss, control, hasher });
    // Nothing is fetched for a page that never uploads.
    expect(preloads).toEqual(['control']);
    expect(credentials.fetches).toBe(0);
    const a = uploader.add(makeFile(10, 'a.txt'));
    // In the task that added the file, not one after the other as the upload needs them.
    expect(credentials.fetches).toBe(1);
    expect(preloads).toEqual(['control', 'control', 'hasher']);
    const b = uploader.add(makeFile(10, 'b.txt', 2));
    await Promise.all([a.finished, b.finished]);
    expect(preloads).toEqual(['control', 'control', 'hasher']);
    expect(credentials.fetches).toBe(1);
  });
});

describe('the same file added twice', () => {
  it('returns the upload under way instead of starting a second one into the same server upload', async () => {
    const { uploader, oss } = await createRig();
    const file = makeFile(350 * KiB);
    const first = uploader.add(file);
    const again = uploader.add(file);
    // Selected again: another File object for the same file on disk.
    const reselected = uploader.add(new File([file], file.name, { type: file.type, lastModified: file.lastModified }));
    expect(again).toBe(first);
    expect(reselected).toBe(first);
    expect(uploader.uploads()).toEqual([first]);
    await first.finished;
    expect(oss.count('initiate')).toBe(1);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
  });

  it('also while the first is paused; a new upload once it is done, or for another key', async () => {
    const { uploader } = await createRig();
    const file = makeFile(350 * KiB);
    const first = uploader.add(file);
    first.pause();
    expect(uploader.add(file)).toBe(first);
    const elsewhere = uploader.add(file, { key: 'copy.bin' });
    expect(elsewhere).not.toBe(first);
    first.resume();
    await Promise.all([first.finished, elsewhere.finished]);
    const later = uploader.add(file);
    expect(later).not.toBe(first);
    await later.finished;
  });

  it('never resumes the checkpoint of a failed upload still in the list into a second upload', async () => {
    const { uploader, oss } = await createRig();
    const file = makeFile(350 * KiB);
    let fail = true;
    oss.intercept((call) => {
      if (fail && call.op === 'put' && call.partNumber === 2) throw new EngineError('denied', { status: 403, ossCode: 'AccessDenied' });
    });
    const first = uploader.add(file);
    await first.finished.catch(() => undefined);
    expect(first.snapshot().state).toBe('failed');
    fail = false;
    const second = uploader.add(file);
    expect(second).not.toBe(first);
    await second.finished;
    expect(oss.count('initiate')).toBe(2);
    expect(oss.count('listParts')).toBe(0);
  });
});

describe('destroy', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('stops the workers of the default hasher, but leaves a hasher passed in alone', async () => {
    const workers: InProcessWorker[] = [];
    vi.stubGlobal(
      'Worker',
      class extends InProcessWorker {
        constructor() {
          super();
          workers.push(this);
        }
      },
    );
    const { uploader, oss } = await createRig({ hasher: undefined });
    // The fake server's CRCs are byte sums, not CRC-64: no comparison here.
    oss.intercept((call) => (call.op === 'put' ? { crc64: null } : undefined));
    await uploader.add(makeFile(10 * KiB)).finished;
    expect(workers.length).toBeGreaterThan(0);
    uploader.destroy();
    expect(workers.every((w) => w.terminated)).toBe(true);

    const given = { crc64: vi.fn(), digestSpans: vi.fn(), combine: vi.fn(), dispose: vi.fn() };
    const { uploader: withGiven } = await createRig({ hasher: given });
    withGiven.destroy();
    expect(given.dispose).not.toHaveBeenCalled();
  });
});
