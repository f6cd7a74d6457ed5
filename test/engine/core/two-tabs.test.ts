/**
 * Two tabs of one browser share the checkpoints (IndexedDB) and the bucket; the upload locks keep
 * them from uploading the same file at once. Here two uploaders share one lock manager, one store
 * and one server, as two tabs would.
 */
import { describe, expect, it } from 'vitest';
import { createLocalLocks } from '../../../src/engine/locks/local-locks';
import type { UploadState } from '../../../src/engine/contracts';
import { byteSum, createRig, FakeOss, Gate, KiB, makeFile, persistentMemoryStore } from './fakes';

async function twoTabs(fingerprint?: (file: File) => Promise<string>) {
  const oss = new FakeOss();
  const store = persistentMemoryStore();
  const locks = createLocalLocks();
  const first = await createRig({ oss, storage: store, locks, ...(fingerprint ? { fingerprint } : {}) });
  const second = await createRig({ oss, storage: store, locks, ...(fingerprint ? { fingerprint } : {}) });
  return { oss, store, first, second };
}

/** The first state `upload` moves to after queued. */
function firstMove(upload: { on: (e: 'state', l: (s: { state: UploadState }) => void) => () => void }): Promise<UploadState> {
  return new Promise((resolve) => {
    const off = upload.on('state', (snapshot) => {
      off();
      resolve(snapshot.state);
    });
  });
}

function statesOf(upload: { on: (e: 'state', l: (s: { state: UploadState }) => void) => () => void }): UploadState[] {
  const states: UploadState[] = [];
  upload.on('state', (snapshot) => states.push(snapshot.state));
  return states;
}

describe('the same file selected in two tabs', () => {
  it('waits as elsewhere while the other tab uploads it, and continues its upload once it is paused', async () => {
    const { oss, first, second } = await twoTabs();
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.partNumber !== 1) await gate.wait(call.signal);
    });
    const file = makeFile(350 * KiB);
    const a = first.uploader.add(file);
    await gate.reached(1);
    const b = second.uploader.add(file);
    const states = statesOf(b);
    expect(await firstMove(b)).toBe('elsewhere');
    expect(oss.count('initiate')).toBe(1);
    expect(b.snapshot().state).toBe('elsewhere');

    a.pause();
    gate.open();
    const result = await b.finished;
    expect(states).toEqual(['elsewhere', 'queued', 'preparing', 'uploading', 'completing', 'done']);
    // The second tab continued the first one's upload: no second Initiate, part 1 not sent again.
    expect(oss.count('initiate')).toBe(1);
    expect(oss.count('put', { partNumber: 1 })).toBe(1);
    expect(result.crc64).toBe(await byteSum(file));
  });

  it('sends nothing when the other tab finished the same file meanwhile', async () => {
    const { oss, first, second } = await twoTabs();
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'complete') await gate.wait(call.signal);
    });
    const file = makeFile(350 * KiB);
    const a = first.uploader.add(file);
    await gate.reached(1);
    const b = second.uploader.add(file);
    expect(await firstMove(b)).toBe('elsewhere');
    gate.open();
    const [done, doneElsewhere] = await Promise.all([a.finished, b.finished]);
    expect(doneElsewhere).toMatchObject({ key: done.key, crc64: done.crc64, size: file.size });
    expect(oss.count('put')).toBe(4);
    expect(oss.count('initiate')).toBe(1);
    expect(oss.objects.size).toBe(1);
  });

  it('uploads a different file of the same size and name once the other tab is done, without taking its object', async () => {
    // A fingerprint that only samples the file cannot tell these two apart; their CRC-64 can.
    const { oss, first, second } = await twoTabs(async (file) => `fp:${file.name}:${file.size}`);
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'complete') await gate.wait(call.signal);
    });
    const file = makeFile(350 * KiB, 'video.bin', 1);
    const twin = makeFile(350 * KiB, 'video.bin', 2);
    const a = first.uploader.add(file);
    await gate.reached(1);
    const b = second.uploader.add(twin);
    expect(await firstMove(b)).toBe('elsewhere');
    gate.open();
    const [done, other] = await Promise.all([a.finished, b.finished]);
    expect(other.key).not.toBe(done.key);
    expect(oss.objects.size).toBe(2);
  });
});
