/**
 * Bench-only prototypes of an engine that reads each byte of a part once, both for sending it and
 * for its CRC-64 (today the browser reads a part's Blob to send it and the hashing worker reads it
 * again). Each is a hasher + transport pair handed to `createUploader`, as `server-crc.ts` is: the
 * engine itself still schedules, retries, compares each part's local CRC-64 with the server's and
 * the combined CRC-64 with the object's. The local CRC of a part comes from the very bytes that
 * were sent, so the check stays end to end (file bytes read → server's bytes).
 *
 * - `workerSend`: a worker reads the part (`blob.arrayBuffer()`), starts its PUT from those bytes
 *   (XHR in the worker, URL presigned on the main thread as usual), hashes them while they go out.
 * - `mainSend`: the main thread reads the part, starts the XHR with the ArrayBuffer (XHR copies the
 *   body at `send`), then transfers the buffer to the hashing worker: no second read, no extra copy.
 * Memory: at most `parallel` parts are in flight (the engine's scheduler), each held twice while it
 * sends (the read buffer until hashed, and the request's copy of the body).
 */
import type { Crc64Hasher, PartTransport } from '../../../src/engine/contracts';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { putBuffer, type PutAnswer, type PutFailure } from './buffer-put';
import type { ReadOnceRequest, ReadOnceResponse } from './read-once.worker';

export interface ReadOncePair {
  hasher: Crc64Hasher;
  transport: PartTransport;
  dispose(): void;
}

type PutParams = Parameters<PartTransport['put']>[0];

interface Pending {
  onProgress?: (loaded: number) => void;
  resolve: (response: ReadOnceResponse) => void;
  reject: (failure: PutFailure) => void;
}

/** A few module workers; each job goes to the one with the fewest jobs. */
function createPool(size: number) {
  const workers = Array.from({ length: size }, () => ({
    worker: new Worker(new URL('./read-once.worker.ts', import.meta.url), { type: 'module' }),
    jobs: 0,
  }));
  const pending = new Map<number, Pending>();
  let nextId = 1;
  for (const slot of workers) {
    slot.worker.onmessage = (event: MessageEvent<ReadOnceResponse>) => {
      const message = event.data;
      const job = pending.get(message.id);
      if (!job) return;
      if ('progress' in message) {
        job.onProgress?.(message.progress);
        return;
      }
      pending.delete(message.id);
      slot.jobs--;
      if ('error' in message) job.reject(message.error);
      else job.resolve(message);
    };
  }
  return {
    run(request: Omit<Extract<ReadOnceRequest, { type: 'send' }>, 'id'> | Omit<Extract<ReadOnceRequest, { type: 'hash' }>, 'id'>, signal: AbortSignal | undefined, onProgress?: (loaded: number) => void) {
      const id = nextId++;
      const slot = workers.reduce((a, b) => (b.jobs < a.jobs ? b : a));
      slot.jobs++;
      return new Promise<ReadOnceResponse>((resolve, reject) => {
        const onAbort = (): void => {
          slot.worker.postMessage({ type: 'cancel', id } satisfies ReadOnceRequest);
          if (pending.delete(id)) slot.jobs--;
          reject({ name: 'AbortError', message: 'The operation was aborted.' } satisfies PutFailure);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = (): void => signal?.removeEventListener('abort', onAbort);
        pending.set(id, {
          ...(onProgress ? { onProgress } : {}),
          resolve: (r) => {
            done();
            resolve(r);
          },
          reject: (f) => {
            done();
            reject(f);
          },
        });
        const transfer = request.type === 'hash' ? [request.buffer] : [];
        slot.worker.postMessage({ ...request, id } as ReadOnceRequest, transfer);
      });
    },
    dispose() {
      for (const slot of workers) slot.worker.terminate();
      pending.clear();
    },
  };
}

/** The engine's error for a failure from a worker or a buffer PUT (so its retry policy applies). */
function toError(failure: PutFailure, url: string): Error {
  if (failure.status === undefined) return new DOMException(failure.message, failure.name);
  const partNumber = Number(new URL(url).searchParams.get('partNumber') ?? NaN);
  return new EngineError(failure.message, {
    status: failure.status,
    ...(failure.ossCode !== undefined ? { ossCode: failure.ossCode } : {}),
    ...(failure.requestId !== undefined ? { requestId: failure.requestId } : {}),
    ...(Number.isFinite(partNumber) ? { partNumber } : {}),
  });
}

/**
 * The local CRC-64 of each part Blob, as the transport found it while sending that Blob. The engine
 * asks the hasher before the first attempt and awaits the answer only after a PUT succeeded.
 */
function crcByBlob(inner: Crc64Hasher) {
  const entries = new WeakMap<Blob, { promise: Promise<string>; resolve: (crc: string) => void; reject: (err: unknown) => void; settled: boolean }>();
  const entryFor = (blob: Blob) => {
    let entry = entries.get(blob);
    if (!entry) {
      let resolve!: (crc: string) => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
      entry = { promise, resolve, reject, settled: false };
      entries.set(blob, entry);
    }
    return entry;
  };
  const hasher: Crc64Hasher = { ...inner, crc64: (blob) => entryFor(blob).promise };
  return {
    hasher,
    /** The CRC-64 of the bytes read for `blob` (the first successful read counts; a retry re-reads and is compared on its own). */
    found(blob: Blob, crc: string) {
      const entry = entryFor(blob);
      if (entry.settled) return;
      entry.settled = true;
      entry.resolve(crc);
    },
    unreadable(blob: Blob, err: unknown) {
      const entry = entryFor(blob);
      if (entry.settled) return;
      entry.settled = true;
      entry.reject(err);
    },
  };
}

/** A retry re-reads the part: its bytes must hash as the first read did, or the file changed under us. */
function checkSameBytes(first: Promise<string>, now: string, url: string): Promise<void> {
  return first.then((crc) => {
    if (crc !== now) throw new EngineError('The part read differently on a retry (the file changed)', { status: 400, ...partOf(url) });
  });
}

function partOf(url: string): { partNumber?: number } {
  const n = Number(new URL(url).searchParams.get('partNumber') ?? NaN);
  return Number.isFinite(n) ? { partNumber: n } : {};
}

export function workerSend(inner: Crc64Hasher, workers: number, body: 'buffer' | 'blob'): ReadOncePair {
  const pool = createPool(workers);
  const crcs = crcByBlob(inner);
  return {
    hasher: crcs.hasher,
    transport: {
      async put(p: PutParams) {
        if (p.signal.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
        let response: ReadOnceResponse;
        try {
          response = await pool.run(
            { type: 'send', url: p.url, blob: p.body, ...(p.contentType ? { contentType: p.contentType } : {}), ...(p.headers ? { headers: p.headers } : {}), stallTimeoutMs: p.stallTimeoutMs, body },
            p.signal,
            p.onProgress,
          );
        } catch (failure) {
          const err = toError(failure as PutFailure, p.url);
          if (err instanceof DOMException && err.name !== 'AbortError') crcs.unreadable(p.body, err);
          throw err;
        }
        const { sent, localCrc } = response as { sent: PutAnswer; localCrc: string };
        const first = crcs.hasher.crc64(p.body);
        crcs.found(p.body, localCrc);
        await checkSameBytes(first, localCrc, p.url);
        p.onProgress(p.body.size);
        return sent;
      },
    },
    dispose: () => pool.dispose(),
  };
}

export function mainSend(inner: Crc64Hasher, workers: number, body: 'buffer' | 'blob'): ReadOncePair {
  const pool = createPool(workers);
  const crcs = crcByBlob(inner);
  return {
    hasher: crcs.hasher,
    transport: {
      async put(p: PutParams) {
        if (p.signal.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
        let bytes: ArrayBuffer;
        try {
          // The one read of the part's bytes.
          bytes = await p.body.arrayBuffer();
        } catch (err) {
          crcs.unreadable(p.body, err);
          throw err;
        }
        p.signal.throwIfAborted();
        const put = putBuffer(p.url, body === 'blob' ? new Blob([bytes], { type: p.contentType ?? '' }) : bytes, {
          ...(p.contentType ? { contentType: p.contentType } : {}),
          ...(p.headers ? { headers: p.headers } : {}),
          stallTimeoutMs: p.stallTimeoutMs,
          onProgress: p.onProgress,
        });
        const onAbort = (): void => put.abort();
        p.signal.addEventListener('abort', onAbort, { once: true });
        // XHR (or the Blob) has its own copy of the bytes now: the buffer itself moves to the worker, uncopied.
        const hashed = pool.run({ type: 'hash', buffer: bytes }, undefined);
        try {
          const sent = await put.done.catch((failure: PutFailure) => {
            throw toError(failure, p.url);
          });
          const { localCrc } = (await hashed) as { localCrc: string };
          const first = crcs.hasher.crc64(p.body);
          crcs.found(p.body, localCrc);
          await checkSameBytes(first, localCrc, p.url);
          p.onProgress(p.body.size);
          return sent;
        } finally {
          p.signal.removeEventListener('abort', onAbort);
          hashed.catch(() => undefined);
        }
      },
    },
    dispose: () => pool.dispose(),
  };
}
