import { describe, it, expect } from 'vitest';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { MAX_OBJECT_SIZE } from '../../../src/engine/transfer/part-plan';
import { UploadError } from '../../../src/engine/errors/upload-errors';
import type { UploadState } from '../../../src/engine/contracts';
import { byteSum, createRig, Gate, KiB, makeFile, PREFIX, settle } from './fakes';

describe('small files', () => {
  it('sends a small file as one PutObject under the prefix, with its type', async () => {
    const { uploader, oss } = await createRig();
    const file = makeFile(10 * KiB, 'notes.txt', 1, 'text/plain');
    const upload = uploader.add(file);
    const result = await upload.finished;
    expect(result).toEqual({ key: `${PREFIX}notes.txt`, etag: expect.any(String), crc64: await byteSum(file), size: 10 * KiB });
    expect(oss.calls.map((c) => c.op)).toEqual(['put']);
    expect(oss.objects.get(`${PREFIX}notes.txt`)).toMatchObject({ size: 10 * KiB, contentType: 'text/plain' });
    expect(upload.snapshot()).toMatchObject({ state: 'done', progress: { fraction: 1, bytesUploaded: 10 * KiB } });
  });

  it('uploads an empty file as one zero-byte PutObject', async () => {
    const { uploader, oss } = await createRig();
    const result = await uploader.add(makeFile(0, 'empty.dat')).finished;
    expect(result).toMatchObject({ key: `${PREFIX}empty.dat`, size: 0, crc64: '0' });
    expect(oss.calls.map((c) => c.op)).toEqual(['put']);
    expect(oss.calls[0]?.size).toBe(0);
  });

  it('uses the requested key, sanitised, under the prefix', async () => {
    const { uploader } = await createRig();
    const result = await uploader.add(makeFile(10, 'x.txt'), { key: '..\\reports/../2026/q1.txt' }).finished;
    expect(result.key).toBe(`${PREFIX}reports/2026/q1.txt`);
  });

  it('fails a file over 10,000 × 5 GiB with TOO_LARGE before any request', async () => {
    const { uploader, oss, credentials } = await createRig();
    // No machine can hold such a File; only its size is read before the refusal.
    const huge = Object.create(File.prototype, {
      size: { value: MAX_OBJECT_SIZE + 1 },
      name: { value: 'huge.bin' },
      type: { value: '' },
      lastModified: { value: 0 },
    }) as File;
    const upload = uploader.add(huge);
    const errors: string[] = [];
    upload.on('error', (info) => errors.push(info.code));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'TOO_LARGE', retryable: false } });
    expect(errors).toEqual(['TOO_LARGE']);
    expect(oss.calls).toEqual([]);
    expect(credentials.fetches).toBe(0);
  });

  it('fails a small file whose checksum mismatches twice with INTEGRITY', async () => {
    const { uploader, oss } = await createRig();
    oss.intercept((call) => (call.op === 'put' ? { crc64: '1' } : undefined));
    const upload = uploader.add(makeFile(10 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'INTEGRITY' } });
    expect(oss.count('put')).toBe(2);
  });
});

describe('multipart', () => {
  it('goes queued → preparing → uploading → completing → done and reports the result', async () => {
    const { uploader, oss } = await createRig();
    const file = makeFile(350 * KiB);
    const upload = uploader.add(file);
    const states: UploadState[] = [upload.snapshot().state];
    upload.on('state', (s) => states.push(s.state));
    const done: unknown[] = [];
    upload.on('done', (result) => done.push(result));
    const result = await upload.finished;

    expect(states).toEqual(['queued', 'preparing', 'uploading', 'completing', 'done']);
    expect(done).toEqual([result]);
    expect(result).toEqual({ key: `${PREFIX}video.bin`, etag: '"M-4"', crc64: await byteSum(file), size: 350 * KiB });
    expect(oss.calls.map((c) => c.op)).toEqual(['initiate', 'put', 'put', 'put', 'put', 'complete']);
    expect(oss.partNumbersPut().sort()).toEqual([1, 2, 3, 4]);
    expect(oss.objects.get(result.key)?.size).toBe(350 * KiB);
  });

  it('creates a checkpoint after Initiate, records parts as they finish and deletes it after Complete', async () => {
    const { uploader, oss, store } = await createRig({ parallel: 1 });
    const seen: number[] = [];
    oss.intercept(async (call) => {
      if (call.op !== 'put') return;
      const [checkpoint] = await store.list();
      seen.push(checkpoint?.doneParts.length ?? -1);
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await upload.finished;
    // Each part sees the ones before it already saved (the writer runs as soon as a part ends).
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(await store.list()).toEqual([]);
  });

  it('emits byte progress that only grows and ends at the full size', async () => {
    const { uploader } = await createRig();
    const upload = uploader.add(makeFile(350 * KiB));
    const loaded: number[] = [];
    upload.on('progress', (s) => loaded.push(s.progress.bytesUploaded));
    await upload.finished;
    expect(loaded.length).toBeGreaterThan(4);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(upload.snapshot().progress.bytesUploaded).toBe(350 * KiB);
  });

  it('re-sends a part whose CRC-64 mismatches once, then completes', async () => {
    const { uploader, oss } = await createRig();
    let corrupted = false;
    oss.intercept((call) => {
      if (call.op === 'put' && call.partNumber === 2 && !corrupted) {
        corrupted = true;
        return { crc64: '12345' };
      }
    });
    await uploader.add(makeFile(350 * KiB)).finished;
    expect(oss.count('put', { partNumber: 2 })).toBe(2);
  });

  it('fails with INTEGRITY, naming the part, when a part mismatches twice', async () => {
    const { uploader, oss } = await createRig();
    oss.intercept((call) => (call.op === 'put' && call.partNumber === 3 ? { crc64: '12345' } : undefined));
    const upload = uploader.add(makeFile(350 * KiB));
    const err = await upload.finished.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as UploadError).info).toMatchObject({ code: 'INTEGRITY', partNumber: 3 });
    expect(oss.count('put', { partNumber: 3 })).toBe(2);
    expect(oss.count('complete')).toBe(0);
  });

  it('fails with INTEGRITY when the completed object CRC is not the combination of the parts', async () => {
    const { uploader, oss } = await createRig();
    oss.intercept((call) => (call.op === 'complete' ? { crc64: '1' } : undefined));
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'INTEGRITY' } });
    expect(upload.snapshot().state).toBe('failed');
  });

  it('computes each part CRC alongside its upload, not before it', async () => {
    const { uploader, oss, hasher } = await createRig({ parallel: 1 });
    const hashesAtPut: number[] = [];
    oss.intercept((call) => {
      if (call.op === 'put') hashesAtPut.push(hasher.calls);
    });
    await uploader.add(makeFile(350 * KiB)).finished;
    // Part n's hash has been started by the time its PUT arrives, and not the next part's.
    expect(hashesAtPut).toEqual([1, 2, 3, 4]);
  });
});

describe('a Complete whose answer was lost', () => {
  it('ends done with the object the lost answer was about, sending no part again', async () => {
    const { uploader, oss, store } = await createRig();
    oss.loseAnswers('complete', 1);
    const file = makeFile(350 * KiB);
    const upload = uploader.add(file);
    const result = await upload.finished;

    expect(result).toEqual({ key: `${PREFIX}video.bin`, etag: '"M-4"', crc64: await byteSum(file), size: 350 * KiB });
    expect(upload.snapshot().state).toBe('done');
    // The retry found the upload gone; the token endpoint showed the object is this file.
    expect(oss.calls.map((c) => c.op)).toEqual(['initiate', 'put', 'put', 'put', 'put', 'complete', 'complete', 'objectInfo']);
    expect(await store.list()).toEqual([]);
  });

  it('fails with UPLOAD_EXPIRED, keeping nothing, when the object at the key is another file', async () => {
    const { uploader, oss } = await createRig();
    oss.loseAnswers('complete', 1);
    // Between the lost answer and the retry, someone else writes the key.
    oss.intercept((call) => {
      if (call.op === 'objectInfo') oss.objects.set(call.key, { etag: '"OTHER"', crc64: '12345', size: 350 * KiB });
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'UPLOAD_EXPIRED', retryable: true } });
  });

  it('fails with UPLOAD_EXPIRED when the token endpoint offers no way to look', async () => {
    const { uploader, oss } = await createRig();
    oss.loseAnswers('complete', 1);
    oss.objectInfoOffered = false;
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'UPLOAD_EXPIRED' } });
    expect(oss.count('objectInfo')).toBe(1);
  });

  it('fails with UPLOAD_EXPIRED when the upload had expired and nothing is at the key', async () => {
    const { uploader, oss } = await createRig();
    oss.intercept((call) => {
      if (call.op === 'complete') oss.uploads.clear();
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'UPLOAD_EXPIRED' } });
    expect(oss.count('complete')).toBe(1);
    expect(oss.count('objectInfo')).toBe(1);
  });
});

describe('retries', () => {
  it('retries 500 and 429 with growing delays, then completes', async () => {
    const { uploader, oss, clock } = await createRig({ retry: { delays: [100, 200, 400] } });
    let failures = 0;
    oss.intercept((call) => {
      if (call.op === 'put' && call.partNumber === 1 && failures < 2) {
        failures++;
        throw new EngineError('busy', { status: failures === 1 ? 500 : 429 });
      }
    });
    await uploader.add(makeFile(350 * KiB)).finished;
    expect(oss.count('put', { partNumber: 1 })).toBe(3);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('waits at least as long as Retry-After asks', async () => {
    const { uploader, oss, clock } = await createRig({ retry: { delays: [100] } });
    let failed = false;
    oss.intercept((call) => {
      if (call.op === 'put' && !failed) {
        failed = true;
        throw new EngineError('slow down', { status: 503, retryAfterMs: 5000 });
      }
    });
    await uploader.add(makeFile(10 * KiB)).finished;
    expect(clock.sleeps).toEqual([5000]);
  });

  it('fails after the schedule is used up, keeping the checkpoint, and retry() continues', async () => {
    const { uploader, oss, store } = await createRig({ retry: { delays: [100, 100] } });
    let down = true;
    oss.intercept((call) => {
      if (down && call.op === 'put' && call.partNumber === 4) throw new EngineError('down', { status: 503, requestId: 'RQ' });
    });
    const upload = uploader.add(makeFile(350 * KiB));
    const err = (await upload.finished.catch((e: unknown) => e)) as UploadError;
    expect(err.info).toMatchObject({ code: 'SERVER', status: 503, requestId: 'RQ', retryable: true });
    expect(oss.count('put', { partNumber: 4 })).toBe(3);
    expect(upload.snapshot()).toMatchObject({ state: 'failed', error: { code: 'SERVER' } });
    const [checkpoint] = await store.list();
    expect(checkpoint?.doneParts.map((p) => p.number)).toEqual([1, 2, 3]);

    down = false;
    const putsBefore = oss.count('put');
    upload.retry();
    await upload.finished;
    expect(oss.partNumbersPut().slice(putsBefore)).toEqual([4]);
    expect(oss.count('initiate')).toBe(1);
    expect(upload.snapshot().error).toBeNull();
  });

  it('does not retry a 4xx such as AccessDenied', async () => {
    const { uploader, oss, clock } = await createRig();
    oss.intercept((call) => {
      if (call.op === 'put' && call.partNumber === 2) throw new EngineError('denied', { status: 403, ossCode: 'AccessDenied' });
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'ACCESS_DENIED', ossCode: 'AccessDenied', retryable: false } });
    expect(oss.count('put', { partNumber: 2 })).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries a stalled part (status -1)', async () => {
    const { uploader, oss } = await createRig();
    let stalled = false;
    oss.intercept((call) => {
      if (call.op === 'put' && !stalled) {
        stalled = true;
        throw new EngineError('stalled', { status: -1 });
      }
    });
    await uploader.add(makeFile(10 * KiB)).finished;
    expect(oss.count('put')).toBe(2);
  });

  it('passes the stall timeout to the transport', async () => {
    const { uploader, oss } = await createRig({ retry: { stallTimeoutMs: 1234 } });
    const seen: number[] = [];
    const put = oss.transport.put;
    oss.transport.put = (p) => {
      seen.push(p.stallTimeoutMs);
      return put(p);
    };
    await uploader.add(makeFile(10)).finished;
    expect(seen).toEqual([1234]);
  });

  it('waits for the connection while offline without using up attempts', async () => {
    const { uploader, oss, connectivity, clock } = await createRig({ retry: { delays: [100] } });
    let failures = 0;
    oss.intercept((call) => {
      if (call.op === 'put' && failures < 3) {
        failures++;
        if (failures === 1) connectivity.setOffline();
        throw new EngineError('network', { status: 0 });
      }
    });
    const upload = uploader.add(makeFile(10 * KiB));
    await connectivity.waitingForOnline();
    expect(upload.snapshot().state).toBe('uploading');
    expect(oss.count('put')).toBe(1);
    connectivity.setOnline();
    // Two more network failures while online: one uses the single retry, the next would fail…
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'NETWORK' } });
    expect(oss.count('put')).toBe(3);
    expect(clock.sleeps).toEqual([100]);
  });

  it('refreshes credentials once when N parallel parts hit an expired token, then completes', async () => {
    const { uploader, oss, credentials } = await createRig({ parallel: 4 });
    const first = await credentials.get();
    oss.intercept((call) => {
      if (call.op === 'put' && call.partNumber === 2) oss.revoked.add(first.accessKeyId);
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await upload.finished;
    expect(oss.count('put', { accessKeyId: first.accessKeyId })).toBeGreaterThanOrEqual(3);
    expect(credentials.fetches).toBe(2);
    expect(credentials.invalidated.length).toBeGreaterThanOrEqual(1);
    expect(credentials.invalidated.every((c) => c === first)).toBe(true);
    expect(oss.calls.filter((c) => c.op === 'complete').every((c) => c.accessKeyId === 'STS.key2')).toBe(true);
  });

  it('gives up when fresh credentials are refused too', async () => {
    const { uploader, oss } = await createRig();
    oss.intercept((call) => {
      if (call.op === 'put') throw new EngineError('expired', { status: 403, ossCode: 'InvalidAccessKeyId' });
    });
    const upload = uploader.add(makeFile(10 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'ACCESS_DENIED' } });
    expect(oss.count('put')).toBe(2);
  });

  it('reports a token endpoint that refuses as TOKEN_ENDPOINT', async () => {
    const { uploader, credentials } = await createRig();
    credentials.get = async () => {
      throw new EngineError('Token endpoint answered 401', { status: 401, ossCode: 'Unauthorized' });
    };
    const upload = uploader.add(makeFile(10));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'TOKEN_ENDPOINT', status: 401 } });
  });
});

describe('configuration errors', () => {
  it('does not retry an unreadable ETag and says the CORS rule must expose it', async () => {
    const { uploader, oss, clock } = await createRig();
    oss.intercept((call) => {
      if (call.op === 'put') throw new EngineError('no etag', { status: 200, ossCode: 'ETagNotExposed', partNumber: call.partNumber ?? 0 });
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'CONFIGURATION', ossCode: 'ETagNotExposed', retryable: false } });
    expect(upload.snapshot().error?.message).toMatch(/CORS rule must expose ETag/);
    expect(oss.count('put', { partNumber: 1 })).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not retry an endpoint that cannot be presigned and says so', async () => {
    const { uploader, oss, clock } = await createRig();
    oss.control.signPutUrl = () => Promise.reject(new EngineError('can not get the object URL when endpoint is IP', { status: 400, ossCode: 'SignatureUrlFailed' }));
    const upload = uploader.add(makeFile(10 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'CONFIGURATION', ossCode: 'SignatureUrlFailed', retryable: false } });
    expect(upload.snapshot().error?.message).toMatch(/cannot be signed/);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('a file changed on disk after it was selected', () => {
  it('fails with FILE_CHANGED, asking to select it again, instead of retrying the failed PUT as a network error', async () => {
    const { uploader, oss, hasher, clock } = await createRig();
    const putStarted = new Gate();
    hasher.crc64 = async (blob) => {
      if (blob.size !== 50 * KiB) return byteSum(blob);
      await putStarted.wait();
      throw new DOMException('changed', 'NotReadableError');
    };
    oss.intercept(async (call) => {
      if (call.op !== 'put' || call.partNumber !== 4) return;
      putStarted.open();
      await settle(2);
      // The browser cannot read the part either, so its request fails like a dropped connection.
      throw new EngineError('network', { status: 0, partNumber: 4 });
    });
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'FILE_CHANGED', retryable: false } });
    expect(upload.snapshot().error?.message).toMatch(/select it again/i);
    expect(oss.count('put', { partNumber: 4 })).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });
  it('fails with FILE_UNREADABLE, retryable, when hashing a part stalled, and retry() continues', async () => {
    const { uploader, oss, hasher } = await createRig();
    let stalls = true;
    const crc64 = hasher.crc64.bind(hasher);
    hasher.crc64 = async (blob, signal) => {
      if (stalls && blob.size === 50 * KiB) throw new DOMException('Reading the file stalled: no progress for 20 s, twice.', 'TimeoutError');
      return crc64(blob, signal);
    };
    const upload = uploader.add(makeFile(350 * KiB));
    await expect(upload.finished).rejects.toMatchObject({ info: { code: 'FILE_UNREADABLE', retryable: true } });
    expect(upload.snapshot().error?.message).toMatch(/stalled/);
    stalls = false;
    upload.retry();
    await expect(upload.finished).resolves.toMatchObject({ size: 350 * KiB });
    expect(oss.count('initiate')).toBe(1);
  });
});
