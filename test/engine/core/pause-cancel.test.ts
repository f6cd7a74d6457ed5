import { describe, it, expect } from 'vitest';
import { EngineError, isAbortError } from '../../../src/engine/errors/engine-error';
import { raceAbort } from '../../../src/engine/support/abort';
import { createRig, type FakeOss, Gate, KiB, makeFile, settle } from './fakes';

describe('pause and resume', () => {
  it('aborts parts in flight, forgets their bytes, and sends only unfinished parts on resume', async () => {
    const { uploader, oss } = await createRig({ parallel: 2 });
    const gate = new Gate();
    const aborted: number[] = [];
    oss.intercept(async (call) => {
      if (call.op !== 'put' || call.partNumber === 1) return;
      await gate.wait(call.signal).catch((err: unknown) => {
        aborted.push(call.partNumber ?? 0);
        throw err;
      });
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(2);
    expect(gate.waiting).toBe(2);

    upload.pause();
    expect(upload.snapshot().state).toBe('paused');
    await gate.aborted(2);
    expect(aborted.sort()).toEqual([2, 3]);
    expect(upload.snapshot().progress.bytesUploaded).toBe(100 * KiB);
    const callsWhilePaused = oss.calls.length;
    await settle();
    expect(oss.calls.length).toBe(callsWhilePaused);

    gate.open();
    upload.resume();
    await upload.finished;
    expect(oss.partNumbersPut().slice(3).sort()).toEqual([2, 3, 4]);
    expect(oss.count('put', { partNumber: 1 })).toBe(1);
    expect(oss.count('initiate')).toBe(1);
  });

  it('records a part whose response was already on its way at the pause, and does not send it again', async () => {
    const { uploader, oss, store, nextWrite } = await createRig({ parallel: 1 });
    const gate = new Gate();
    const put = oss.transport.put;
    oss.transport.put = async (p) => {
      if (!p.url.includes('partNumber=1')) return put(p);
      await gate.wait();
      // The server had the whole part before the abort reached it.
      return put({ ...p, signal: new AbortController().signal });
    };
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(1);
    upload.pause();
    const written = nextWrite((checkpoint) => checkpoint.doneParts.length > 0);
    gate.open();
    await written;
    expect(upload.snapshot()).toMatchObject({ state: 'paused', progress: { bytesUploaded: 100 * KiB } });
    expect((await store.list())[0]?.doneParts.map((p) => p.number)).toEqual([1]);
    upload.resume();
    await upload.finished;
    expect(oss.count('put', { partNumber: 1 })).toBe(1);
  });

  it('drops an error that arrives after the pause', async () => {
    const { uploader, oss } = await createRig();
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put') {
        await gate.wait();
        throw new EngineError('late failure', { status: 400, ossCode: 'InvalidArgument' });
      }
    });
    const upload = uploader.add(makeFile(10 * KiB));
    const errors: unknown[] = [];
    upload.on('error', (e) => errors.push(e));
    await gate.reached(1);
    upload.pause();
    gate.open();
    await oss.answered('put');
    await settle();
    expect(errors).toEqual([]);
    expect(upload.snapshot()).toMatchObject({ state: 'paused', error: null });
  });

  it('pauses a queued upload and starts it on resume', async () => {
    const { uploader, oss } = await createRig();
    const upload = uploader.add(makeFile(350 * KiB));
    upload.pause();
    await settle();
    expect(oss.calls).toEqual([]);
    upload.resume();
    expect(upload.snapshot().state).toBe('queued');
    await upload.finished;
  });

  it('pauses during Initiate and completes after resume', async () => {
    const { uploader, oss } = await createRig();
    const upload = uploader.add(makeFile(350 * KiB));
    let paused = false;
    oss.intercept((call) => {
      if (call.op === 'initiate' && !paused) {
        paused = true;
        upload.pause();
      }
    });
    await oss.nextCall('initiate');
    expect(upload.snapshot().state).toBe('paused');
    expect(oss.count('put')).toBe(0);
    upload.resume();
    await upload.finished;
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('cancel', () => {
  it('aborts requests, aborts the multipart upload, deletes the checkpoint and sends nothing more', async () => {
    const { uploader, oss, store } = await createRig({ parallel: 2 });
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.partNumber !== 1) await gate.wait(call.signal);
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(2);
    expect(await store.list()).toHaveLength(1);
    await upload.cancel();
    expect(upload.snapshot().state).toBe('canceled');
    expect(oss.calls.at(-1)).toMatchObject({ op: 'abort', uploadId: 'up-1' });
    expect(oss.uploads.size).toBe(0);
    expect(await store.list()).toEqual([]);
    const err = await upload.finished.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    const calls = oss.calls.length;
    gate.open();
    await settle();
    expect(oss.calls.length).toBe(calls);
  });

  it('canceling a queued upload makes no request at all', async () => {
    const { uploader, oss } = await createRig();
    const upload = uploader.add(makeFile(350 * KiB));
    await upload.cancel();
    await settle();
    expect(oss.calls).toEqual([]);
    expect(upload.snapshot().state).toBe('canceled');
  });

  it('canceling a paused upload still cleans up the server', async () => {
    const { uploader, oss, store } = await createRig();
    const gate = new Gate();
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.partNumber === 2) await gate.wait(call.signal);
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(1);
    upload.pause();
    await upload.cancel();
    expect(oss.count('abort')).toBe(1);
    expect(await store.list()).toEqual([]);
  });

  it('canceling during Initiate aborts the upload the server just created', async () => {
    const { uploader, oss, store } = await createRig();
    const upload = uploader.add(makeFile(350 * KiB));
    let canceling: Promise<void> | undefined;
    oss.intercept((call) => {
      if (call.op === 'initiate') canceling = upload.cancel();
    });
    const aborted = oss.answered('abort');
    await oss.nextCall('initiate');
    await canceling;
    await aborted;
    expect(oss.count('put')).toBe(0);
    expect(oss.uploads.size).toBe(0);
    expect(await store.list()).toEqual([]);
  });

  it('ignores pause, resume and retry once canceled', async () => {
    const { uploader } = await createRig();
    const upload = uploader.add(makeFile(10));
    await upload.cancel();
    upload.pause();
    upload.resume();
    upload.retry();
    expect(upload.snapshot().state).toBe('canceled');
  });
});

/**
 * Initiate as ali-oss does it: the request cannot be cancelled, so on abort the caller stops
 * waiting while the server still creates the upload once `gate` opens.
 */
function uncancellableInitiate(oss: FakeOss, gate: Gate): void {
  const initiate = oss.control.initiate;
  oss.control.initiate = (p) => {
    const created = gate.wait().then(() => initiate({ ...p, signal: undefined }));
    return p.signal ? raceAbort(created, p.signal) : created;
  };
}

describe('Initiate answered after a pause or cancel', () => {
  it('after a cancel, aborts the upload the server created', async () => {
    const { uploader, oss, store } = await createRig();
    const gate = new Gate();
    uncancellableInitiate(oss, gate);
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(1);
    await upload.cancel();
    const aborted = oss.answered('abort');
    gate.open();
    await aborted;
    expect(oss.count('abort', { uploadId: 'up-1' })).toBe(1);
    expect(oss.uploads.size).toBe(0);
    expect(await store.list()).toEqual([]);
    expect(oss.count('put')).toBe(0);
  });

  it('after a pause, keeps and checkpoints it, and the resume continues it', async () => {
    const { uploader, oss, store, nextWrite } = await createRig();
    const gate = new Gate();
    uncancellableInitiate(oss, gate);
    const upload = uploader.add(makeFile(350 * KiB));
    await gate.reached(1);
    upload.pause();
    const written = nextWrite();
    gate.open();
    await written;
    expect((await store.list()).map((c) => c.uploadId)).toEqual(['up-1']);
    expect(oss.count('abort')).toBe(0);
    upload.resume();
    await upload.finished;
    expect(oss.count('initiate')).toBe(1);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
  });
});
