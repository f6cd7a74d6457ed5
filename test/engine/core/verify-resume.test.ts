/**
 * Verified resume: parts an earlier session left on the server are checked against the local file
 * before Complete, alongside sending the missing parts; a part that differs is sent again, and the
 * object's CRC is compared with one computed from the local bytes only.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { Gate, byteSum, createRig, KiB, makeFile, PREFIX, settle } from './fakes';
import { leaveUnfinished, PART } from './unfinished';

/** `file` with `length` bytes changed at `offset`: same name, size, time and type. */
function patched(file: File, offset: number, length = 4 * KiB): File {
  return new File(
    [file.slice(0, offset), new Uint8Array(length).fill(0xee), file.slice(offset + length)],
    file.name,
    { type: file.type, lastModified: file.lastModified },
  );
}

describe('verified resume', () => {
  it('checks every reused part by CRC in background hashing jobs, adjacent parts from one read, and sends only the missing ones', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    const result = await upload.finished;
    expect(hasher.digests).toEqual([{ spans: [PART, PART], md5: false, background: true }]);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(result.crc64).toBe(await byteSum(file));
    expect(upload.snapshot()).toMatchObject({ resumed: true, notices: [], verification: { partsToCheck: 2, partsChecked: 2, partsResent: 0 } });
  });

  it('reads parts that are not adjacent in the file apart', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 3], checkpoint: [1, 3] });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    const result = await uploader.add(file).finished;
    expect(hasher.digests.map((d) => d.spans)).toEqual([[PART], [PART]]);
    expect(oss.partNumbersPut().sort()).toEqual([2, 4]);
    expect(result.crc64).toBe(await byteSum(file));
  });

  it('sends a reused part again when its bytes differ from the file, and says so', async () => {
    const old = makeFile(350 * KiB);
    const file = patched(old, PART + 10 * KiB);
    // The checkpoint carries the new file's fingerprint: the samples missed the change.
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1, 2, 3], serverBytes: old });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    let listedWhileResending: number[] | undefined;
    oss.intercept(async (call) => {
      if (call.op === 'put' && call.partNumber === 2) listedWhileResending = (await store.get(checkpoint.id))?.doneParts.map((p) => p.number);
    });
    const upload = uploader.add(file);
    const result = await upload.finished;

    expect(oss.partNumbersPut().sort()).toEqual([2, 4]);
    expect(listedWhileResending).not.toContain(2);
    expect(result.crc64).toBe(await byteSum(file));
    expect(oss.objects.get(result.key)?.crc64).toBe(await byteSum(file));
    // Part 2 is sent with the CRC its check computed: its bytes are read once.
    expect(hasher.partsDigested).toBe(3);
    expect(hasher.calls).toBe(1);
    const snapshot = upload.snapshot();
    expect(snapshot.verification).toEqual({ partsToCheck: 3, partsChecked: 3, partsResent: 1 });
    expect(snapshot.notices).toEqual([{ code: 'PARTS_RESENT', count: 1, message: expect.stringContaining('1 part') }]);
    expect(snapshot.progress.bytesUploaded).toBe(350 * KiB);
  });

  it('without a listed CRC, compares the MD5 with the ETag and combines the CRCs computed here', async () => {
    const old = makeFile(350 * KiB);
    const file = patched(old, 2 * PART + 50 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1, 2, 3], serverBytes: old });
    // A CRC remembered wrongly must not reach the final check: only CRCs of the local bytes do.
    await store.put({ ...checkpoint, doneParts: checkpoint.doneParts.map((p) => ({ ...p, crc64: '1' })) });
    oss.listsCrc = false;
    const { uploader, hasher } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    const result = await upload.finished;
    expect(hasher.digests).toEqual([{ spans: [PART, PART, PART], md5: true, background: true }]);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(result.crc64).toBe(await byteSum(file));
    expect(upload.snapshot().verification).toEqual({ partsToCheck: 3, partsChecked: 3, partsResent: 1 });
  });

  it('sends again a part whose ETag is not an MD5, as it proves nothing', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store, checkpoint } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    oss.listsCrc = false;
    const stored = oss.uploads.get(checkpoint.uploadId)?.parts.get(1);
    if (stored) stored.etag = '"not-an-md5"';
    const { uploader } = await createRig({ oss, storage: store });
    await uploader.add(file).finished;
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
  });

  it('fails loudly when the completed object does not have the CRC of the local file', async () => {
    const old = makeFile(350 * KiB);
    const file = patched(old, 10 * KiB);
    // The listing claims the new bytes, but the stored part (and so the object) has the old ones.
    const { oss, store } = await leaveUnfinished(file, { server: [1], checkpoint: [1] });
    const storedCrc = await byteSum(old);
    oss.intercept((call) => (call.op === 'complete' ? { crc64: storedCrc } : undefined));
    const { uploader } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'INTEGRITY' } });
    expect(upload.snapshot().error?.message).toContain(storedCrc);
    expect(upload.snapshot().error?.message).toContain(await byteSum(file));
  });

  it('sends missing parts while reused parts are being checked, and completes only after the checks', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    const gate = new Gate();
    hasher.beforeDigest = (_blob, signal) => gate.wait(signal);
    const missingSent = oss.nextCall('put', {}, 2);
    const upload = uploader.add(file);
    await Promise.all([gate.reached(1), missingSent]);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(oss.count('complete')).toBe(0);
    expect(upload.snapshot()).toMatchObject({ state: 'uploading', verification: { partsToCheck: 2, partsChecked: 0 } });
    gate.open();
    await upload.finished;
    expect(oss.count('complete')).toBe(1);
  });

  it('goes on checking after a pause without counting a part twice', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader, hasher, nextWrite } = await createRig({ oss, storage: store });
    const gate = new Gate();
    hasher.beforeDigest = (_blob, signal) => gate.wait(signal);
    const missingSent = nextWrite((c) => [3, 4].every((n) => c.doneParts.some((p) => p.number === n)));
    const upload = uploader.add(file);
    await Promise.all([gate.reached(1), missingSent]);
    upload.pause();
    gate.open();
    upload.resume();
    await upload.finished;
    expect(upload.snapshot().verification).toEqual({ partsToCheck: 2, partsChecked: 2, partsResent: 0 });
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
  });

  it('after a failure and retry, checks the differing part again but counts it once', async () => {
    const old = makeFile(350 * KiB);
    const file = patched(old, PART + 10 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2, 3], checkpoint: [1, 2, 3], serverBytes: old });
    let refuse = true;
    oss.intercept((call) => {
      if (refuse && call.op === 'put' && call.partNumber === 2) throw new EngineError('denied', { status: 403, ossCode: 'AccessDenied' });
    });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    const upload = uploader.add(file);
    await upload.finished.catch(() => undefined);
    expect(upload.snapshot().state).toBe('failed');
    refuse = false;
    upload.retry();
    await upload.finished;
    // Part 2 still holds the old bytes on the server, so the retry finds it different again.
    expect(hasher.partsDigested).toBe(4);
    expect(upload.snapshot().verification).toEqual({ partsToCheck: 3, partsChecked: 3, partsResent: 1 });
    expect(upload.snapshot().notices).toEqual([expect.objectContaining({ code: 'PARTS_RESENT', count: 1 })]);
    expect(oss.objects.get(`${PREFIX}video.bin`)?.crc64).toBe(await byteSum(file));
  });

  it('fails with FILE_CHANGED when the file can no longer be read during the check', async () => {
    const file = makeFile(350 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2] });
    const { uploader, hasher } = await createRig({ oss, storage: store });
    hasher.beforeDigest = () => Promise.reject(new DOMException('The file changed.', 'NotReadableError'));
    const upload = uploader.add(file);
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'FILE_CHANGED', retryable: false } });
    expect(upload.snapshot().error?.message).toMatch(/select it again/i);
    expect(oss.count('complete')).toBe(0);
  });

  it('with verifyResumedParts false, trusts the listed parts (what the flag is for: measuring the cost)', async () => {
    const old = makeFile(350 * KiB);
    const file = patched(old, PART + 10 * KiB);
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2], serverBytes: old });
    const { uploader, hasher } = await createRig({ oss, storage: store, verifyResumedParts: false });
    const upload = uploader.add(file);
    await upload.finished;
    expect(hasher.digests).toEqual([]);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
    expect(upload.snapshot().verification).toBeUndefined();
  });
});
