/**
 * Resume without waiting for a long ListParts: once its first page shows the upload exists, the
 * parts the checkpoint lacks are sent while the other pages arrive; the parts the checkpoint
 * claims wait for the server's word. If the server turns out not to know the upload any more,
 * whatever was sent for it stops and the file starts over as a new upload.
 */
import { describe, expect, it } from 'vitest';
import { EXPIRED_NOTICE } from '../../../src/engine/resume/upload-session';
import { byteSum, createRig, Gate, KiB, makeFile, type FakeCall, type FakeOss } from './fakes';
import { leaveUnfinished } from './unfinished';

/** Holds every ListParts page after the first at `gate`. */
function holdLaterPages(oss: FakeOss, gate: Gate): void {
  let pages = 0;
  oss.intercept(async (call) => {
    if (call.op === 'listParts' && ++pages > 1) await gate.wait(call.signal);
  });
}

function putsTo(oss: FakeOss, uploadId: string): number[] {
  return oss.calls.filter((c) => c.op === 'put' && c.uploadId === uploadId).map((c) => c.partNumber as number);
}

describe('resume while listing', () => {
  it('sends parts the checkpoint lacks before ListParts has finished, and one it wrongly claims only after', async () => {
    const file = makeFile(450 * KiB);
    // The checkpoint claims part 4, which the server does not have; parts 1 and 5 are missing for both.
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [2, 3], checkpoint: [2, 3, 4] });
    oss.listPageSize = 1;
    const pages = new Gate();
    holdLaterPages(oss, pages);
    const { uploader } = await createRig({ oss, storage: store });
    const twoPuts = oss.nextCall('put', {}, 2);
    const upload = uploader.add(file);
    await Promise.all([pages.reached(1), twoPuts]);

    expect(pages.waiting).toBe(1);
    expect(upload.snapshot().state).toBe('uploading');
    expect(oss.partNumbersPut().sort()).toEqual([1, 5]);

    pages.open();
    const result = await upload.finished;
    // Part 1 landed behind the pages still to come, so no page lists it: it is still not sent twice.
    const puts = putsTo(oss, checkpoint.uploadId);
    expect(puts.slice(0, 2).sort()).toEqual([1, 5]);
    expect(puts.slice(2)).toEqual([4]);
    expect(oss.count('initiate')).toBe(0);
    expect(result.crc64).toBe(await byteSum(file));
    expect(upload.snapshot()).toMatchObject({ resumed: true, notices: [], state: 'done' });
  });

  it('waits for a ListParts of one page, so parts the server has beyond the checkpoint are not sent', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1] });
    oss.listPageSize = 10;
    const { uploader } = await createRig({ oss, storage: store });
    await uploader.add(file).finished;
    expect(oss.partNumbersPut()).toEqual([4]);
  });

  it('starts over cleanly when ListParts says the upload is gone while parts are being sent to it', async () => {
    const file = makeFile(450 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const old = checkpoint.uploadId;
    oss.listPageSize = 1;
    const pages = new Gate();
    holdLaterPages(oss, pages);
    // Part 3 reaches the old upload; part 4 and 5 are held on their way there.
    const held = new Gate();
    const heldCalls: FakeCall[] = [];
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.uploadId === old && call.partNumber !== 3) {
        heldCalls.push(call);
        await held.wait(call.signal);
      }
    });
    // Every checkpoint written while parts go to the new upload must be the new upload's alone.
    const seenWithNew: Array<{ uploadId: string; parts: number[] }> = [];
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.uploadId !== old) {
        for (const c of await store.list()) seenWithNew.push({ uploadId: c.uploadId, parts: c.doneParts.map((p) => p.number) });
      }
    });
    const { uploader } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    await held.reached(2);
    expect(putsTo(oss, old).sort()).toEqual([3, 4, 5]);
    expect(held.waiting).toBe(2);

    oss.uploads.delete(old);
    pages.open();
    const result = await upload.finished;

    expect(heldCalls.every((c) => c.signal?.aborted)).toBe(true);
    expect(oss.count('initiate')).toBe(1);
    const fresh = oss.calls.find((c) => c.op === 'complete')?.uploadId as string;
    expect(fresh).not.toBe(old);
    expect(putsTo(oss, fresh).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(seenWithNew.length).toBeGreaterThan(0);
    expect(seenWithNew.every((c) => c.uploadId === fresh)).toBe(true);
    expect(result.crc64).toBe(await byteSum(file));
    expect(upload.snapshot()).toMatchObject({
      resumed: false,
      notices: [{ code: 'UPLOAD_EXPIRED', message: EXPIRED_NOTICE }],
      state: 'done',
    });
    expect(await store.list()).toEqual([]);
  });

  it('after a pause while listing, lists again on resume and keeps the parts sent meanwhile', async () => {
    const file = makeFile(450 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    oss.listPageSize = 1;
    const pages = new Gate();
    holdLaterPages(oss, pages);
    const { uploader, nextWrite } = await createRig({ oss, storage: store });
    const sentMeanwhile = nextWrite((c) => [3, 4, 5].every((n) => c.doneParts.some((p) => p.number === n)));
    const upload = uploader.add(file);
    await Promise.all([pages.reached(1), sentMeanwhile]);
    expect(putsTo(oss, checkpoint.uploadId).sort()).toEqual([3, 4, 5]);

    upload.pause();
    pages.open();
    await pages.aborted(1);
    upload.resume();
    const result = await upload.finished;
    expect(putsTo(oss, checkpoint.uploadId).sort()).toEqual([3, 4, 5]);
    expect(oss.count('initiate')).toBe(0);
    expect(result.crc64).toBe(await byteSum(file));
  });
});
