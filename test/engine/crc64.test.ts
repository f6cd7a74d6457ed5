import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCrc64Hasher } from '../../src/engine/integrity/crc64';
import { digestBlob, digestSpans } from '../../src/engine/integrity/crc64-blob';
import type { Crc64Request, Crc64Response } from '../../src/engine/integrity/crc64-messages';
import { InProcessWorker } from './support/in-process-worker';

const text = (s: string) => new Blob([s]);


describe('crc64 on the main thread (no Worker, as in Node)', () => {
  const hasher = createCrc64Hasher();

  it('matches the CRC-64/ECMA-182 vectors OSS uses, as decimal strings', async () => {
    expect(await hasher.crc64(text(''))).toBe('0');
    expect(await hasher.crc64(text('123456789'))).toBe('11051210869376104954');
    expect(await hasher.crc64(text('hello world'))).toBe('5981764153023615706');
  });

  it('gives the same CRC when the blob is read in several chunks', async () => {
    const data = new Uint8Array(randomBytes(9 * 1024 * 1024 + 17));
    const whole = await hasher.crc64(new Blob([data]));
    const halves = hasher.combine([
      { crc64: await hasher.crc64(new Blob([data.subarray(0, 1000)])), size: 1000 },
      { crc64: await hasher.crc64(new Blob([data.subarray(1000)])), size: data.length - 1000 },
    ]);
    expect(halves).toBe(whole);
  });

  it('combines the CRCs of random splits into the CRC of the whole', async () => {
    const data = new Uint8Array(randomBytes(200_000));
    const whole = await hasher.crc64(new Blob([data]));
    for (let round = 0; round < 5; round++) {
      const cuts = [0, ...Array.from({ length: 4 }, () => Math.floor(Math.random() * data.length)).sort((a, b) => a - b), data.length];
      const parts = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        const piece = data.subarray(cuts[i], cuts[i + 1]);
        parts.push({ crc64: await hasher.crc64(new Blob([piece])), size: piece.length });
      }
      expect(hasher.combine(parts)).toBe(whole);
    }
  });

  it('gives the MD5 (upper-case hex, as in an ETag) with the CRC when asked, and only then', async () => {
    expect(await hasher.digestSpans(text('123456789'), [9], { md5: true })).toEqual([{ crc64: '11051210869376104954', md5: '25F9E794323B453885F5181F1B624D0B' }]);
    expect(await hasher.digestSpans(text('123456789'), [9], { md5: false })).toEqual([{ crc64: '11051210869376104954' }]);
  });

  it('reads a multi-chunk blob once, as one stream, for both hashes', async () => {
    const data = new Uint8Array(randomBytes(9 * 1024 * 1024 + 5));
    const blob = new Blob([data]);
    let streams = 0;
    const counting = {
      size: blob.size,
      stream: () => {
        streams++;
        return blob.stream();
      },
      slice: () => {
        throw new Error('a byte stream needs no slices');
      },
    } as unknown as Blob;
    const digest = await digestBlob(counting, { md5: true });
    expect(streams).toBe(1);
    expect(digest.md5).toBe(createHash('md5').update(data).digest('hex').toUpperCase());
    expect(digest.crc64).toBe(await hasher.crc64(blob));
  });

  it('falls back to reading slices where the blob has no byte stream', async () => {
    const data = new Uint8Array(randomBytes(9 * 1024 * 1024 + 5));
    const blob = new Blob([data]);
    let slices = 0;
    const sliceOnly = {
      size: blob.size,
      slice: (start?: number, end?: number) => {
        slices++;
        return blob.slice(start, end);
      },
    } as Blob;
    const digest = await digestBlob(sliceOnly, { md5: true });
    expect(slices).toBe(3);
    expect(digest).toEqual(await digestBlob(blob, { md5: true }));
    expect(digest.md5).toBe(createHash('md5').update(data).digest('hex').toUpperCase());
  });

  it('hashes consecutive spans apart from one read, chunk boundaries anywhere', async () => {
    const data = new Uint8Array(randomBytes(3 * 1024 * 1024 + 11));
    const spans = [0, 1, 700_000, 0, 1024 * 1024, data.length - 700_001 - 1024 * 1024];
    const digests = await hasher.digestSpans(new Blob([data]), spans, { md5: true });
    let offset = 0;
    const expected = [];
    for (const span of spans) {
      const piece = data.subarray(offset, offset + span);
      offset += span;
      expected.push({ crc64: await hasher.crc64(new Blob([piece])), md5: createHash('md5').update(piece).digest('hex').toUpperCase() });
    }
    expect(digests).toEqual(expected);
    expect(hasher.combine(digests.map((d, i) => ({ crc64: d.crc64, size: spans[i]! })))).toBe(await hasher.crc64(new Blob([data])));
  });

  it('refuses spans that do not add up to the blob', async () => {
    await expect(digestSpans(text('12345'), [2, 2], { md5: false })).rejects.toThrow(RangeError);
    await expect(digestSpans(text('12345'), [6, -1], { md5: false })).rejects.toThrow(RangeError);
  });

  it('combines an empty list to 0', () => {
    expect(hasher.combine([])).toBe('0');
  });

  it('rejects with an AbortError when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(hasher.crc64(text('x'), controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

/** A worker whose script fails to load. */
class BrokenWorker extends InProcessWorker {
  override postMessage(): void {
    setTimeout(() => this.onerror?.({ preventDefault: () => undefined }), 0);
  }
}

/** A worker that takes jobs and never answers, as one whose blob read hangs. */
class SilentWorker extends InProcessWorker {
  override postMessage(request: Crc64Request): void {
    this.received.push(request);
  }
}

describe('crc64 of a blob whose stream stalls', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads on from where a stalled stream stopped, through a fresh stream, and gets the same digest', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const real = new Blob([bytes]);
    let streams = 0;
    // The first stream gives its first chunk, then never answers again; slices are real blobs.
    const flaky = {
      size: real.size,
      type: '',
      slice: (start?: number, end?: number) => real.slice(start, end),
      stream: () => {
        streams++;
        const inner = real.stream().getReader({ mode: 'byob' });
        let reads = 0;
        return new ReadableStream({
          type: 'bytes',
          async pull(controller) {
            const request = controller.byobRequest!;
            if (reads++ > 0) return new Promise<void>(() => undefined);
            const { value } = await inner.read(new Uint8Array(request.view!.buffer, request.view!.byteOffset, request.view!.byteLength));
            request.respondWithNewView(value!);
          },
        });
      },
    } as unknown as Blob;
    const digesting = digestBlob(flaky, { md5: true });
    await vi.advanceTimersByTimeAsync(5_000);
    vi.useRealTimers();
    const expected = { crc64: await digestBlob(real, { md5: false }).then((d) => d.crc64), md5: createHash('md5').update(bytes).digest('hex').toUpperCase() };
    await expect(digesting).resolves.toEqual(expected);
    expect(streams).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/stalled for 5 s at byte 524288 of 3145733/));
  });
});

describe('crc64 in workers', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('hashes in a pool of at most the configured number of workers', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const workers: InProcessWorker[] = [];
    const hasher = createCrc64Hasher({
      workers: 2,
      createWorker: () => {
        const worker = new InProcessWorker();
        workers.push(worker);
        return worker as unknown as Worker;
      },
    });
    const results = await Promise.all(['123456789', '', 'hello world', '123456789'].map((s) => hasher.crc64(text(s))));
    expect(results).toEqual(['11051210869376104954', '0', '5981764153023615706', '11051210869376104954']);
    expect(workers).toHaveLength(2);
    hasher.dispose();
    expect(workers.every((w) => w.terminated)).toBe(true);
  });

  it('starts its first worker on preload, before any job, and runs the first job on it', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const workers: InProcessWorker[] = [];
    const hasher = createCrc64Hasher({
      workers: 2,
      createWorker: () => {
        const worker = new InProcessWorker();
        workers.push(worker);
        return worker as unknown as Worker;
      },
    });
    expect(workers).toHaveLength(0);
    hasher.preload?.();
    hasher.preload?.();
    expect(workers).toHaveLength(1);
    await expect(hasher.crc64(text('123456789'))).resolves.toBe('11051210869376104954');
    expect(workers).toHaveLength(1);
    expect(workers[0]!.received).toHaveLength(1);
    hasher.dispose();
  });

  it('falls back to the main thread when the worker fails to start', async () => {
    vi.stubGlobal('Worker', BrokenWorker);
    const hasher = createCrc64Hasher({ createWorker: () => new BrokenWorker() as unknown as Worker });
    await expect(hasher.crc64(text('123456789'))).resolves.toBe('11051210869376104954');
    await expect(hasher.crc64(text('hello world'))).resolves.toBe('5981764153023615706');
  });

  it('asks the worker for the MD5 only when wanted', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const worker = new InProcessWorker();
    const hasher = createCrc64Hasher({ workers: 1, createWorker: () => worker as unknown as Worker });
    expect(await hasher.digestSpans(text('123456789'), [9], { md5: true })).toEqual([{ crc64: '11051210869376104954', md5: '25F9E794323B453885F5181F1B624D0B' }]);
    expect(await hasher.crc64(text('123456789'))).toBe('11051210869376104954');
    expect(worker.received.map((r) => 'md5' in r)).toEqual([true, false]);
  });

  it('runs background jobs after every other queued job', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const worker = new InProcessWorker();
    const hasher = createCrc64Hasher({ workers: 1, createWorker: () => worker as unknown as Worker });
    const jobs = [
      hasher.digestSpans(text('a'), [1], { md5: false, background: true }),
      hasher.digestSpans(text('b'), [1], { md5: false, background: true }),
      hasher.crc64(text('c')),
      hasher.digestSpans(text('d'), [1], { md5: false, background: true }),
      hasher.crc64(text('e')),
    ];
    await Promise.all(jobs);
    const contentsInOrder = await Promise.all(worker.received.map((r) => ('blob' in r ? r.blob.text() : '')));
    // 'a' was already running when the others came.
    expect(contentsInOrder).toEqual(['a', 'c', 'e', 'b', 'd']);
  });

  it('tells the worker to stop a job that is aborted', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const worker = new InProcessWorker();
    worker.postMessage = function postMessage(request: Crc64Request) {
      this.received.push(request);
    };
    const hasher = createCrc64Hasher({ workers: 1, createWorker: () => worker as unknown as Worker });
    const controller = new AbortController();
    const pending = hasher.crc64(text('never answered'), controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.received).toEqual([expect.objectContaining({ id: 1 }), { id: 1, cancel: true }]);
  });
  it('replaces a worker that goes silent mid-job and runs the job again on a fresh one', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const silent = new SilentWorker();
    const fresh = new InProcessWorker();
    const started = [silent, fresh];
    const hasher = createCrc64Hasher({ workers: 1, stallTimeoutMs: 50, createWorker: () => started.shift() as unknown as Worker });
    await expect(hasher.crc64(text('123456789'))).resolves.toBe('11051210869376104954');
    expect(silent.terminated).toBe(true);
    expect(silent.received).toHaveLength(1);
    expect(fresh.received).toHaveLength(1);
    hasher.dispose();
  });

  it('fails the job as unreadable when its second worker stalls too, and goes on with the next job', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const silents = [new SilentWorker(), new SilentWorker()];
    const started: Array<SilentWorker | InProcessWorker> = [...silents, new InProcessWorker()];
    const hasher = createCrc64Hasher({ workers: 1, stallTimeoutMs: 50, createWorker: () => started.shift() as unknown as Worker });
    await expect(hasher.crc64(text('stuck'))).rejects.toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/stalled/) });
    expect(silents.every((worker) => worker.terminated)).toBe(true);
    await expect(hasher.crc64(text('123456789'))).resolves.toBe('11051210869376104954');
    hasher.dispose();
  });

  it('lets a slow job run past the stall timeout while its worker reports progress', async () => {
    vi.stubGlobal('Worker', InProcessWorker);
    const slow = new InProcessWorker();
    const answer = slow.postMessage.bind(slow);
    slow.postMessage = (request: Crc64Request) => {
      if ('cancel' in request) return answer(request);
      // Progress every 20 ms for 200 ms, with a stall timeout of 50 ms, then the answer.
      let ticks = 0;
      const timer = setInterval(() => {
        slow.onmessage?.({ data: { id: request.id, progress: ++ticks } } as MessageEvent<Crc64Response>);
        if (ticks === 10) {
          clearInterval(timer);
          answer(request);
        }
      }, 20);
    };
    let workersStarted = 0;
    const hasher = createCrc64Hasher({
      workers: 1,
      stallTimeoutMs: 50,
      createWorker: () => {
        workersStarted++;
        return slow as unknown as Worker;
      },
    });
    await expect(hasher.crc64(text('123456789'))).resolves.toBe('11051210869376104954');
    expect(workersStarted).toBe(1);
    expect(slow.terminated).toBe(false);
    hasher.dispose();
  });
});
