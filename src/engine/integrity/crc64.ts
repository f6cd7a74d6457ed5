import type { BlobDigest, Crc64Hasher } from '../contracts';
import type { Crc64Request, Crc64Response } from './crc64-messages';
import { digestSpans } from './crc64-blob';
import { abortError, raceAbort } from '../support/abort';
import { crc64Concat } from '../../shared/crc64-combine';

export interface Crc64HasherOptions {
  /** Workers at most (default: one less than the cores, between 1 and 2). */
  workers?: number;
  /** Starts a worker; default: the bundled `crc64.worker.ts`. */
  createWorker?: () => Worker;
  /**
   * A job whose worker says nothing for this long (it reports progress about once a second) is
   * stuck: the worker is replaced and the job run again, once; a second stall fails the job with a
   * `TimeoutError` DOMException. Default 20 s.
   */
  stallTimeoutMs?: number;
}

const DEFAULT_STALL_TIMEOUT_MS = 20_000;
/** Runs of one job on a fresh worker after its first worker stalled, before the job fails. */
const STALL_RETRIES = 1;

export interface DisposableCrc64Hasher extends Crc64Hasher {
  /** Stops the workers; later calls hash on the main thread. */
  dispose(): void;
}

/**
 * CRC-64 (and MD5 on request) of part blobs in a small pool of module workers, so hashing gigabytes
 * never blocks the page. Falls back to the main thread where there are no workers (Node) or a worker
 * fails to start (e.g. a Content-Security-Policy without `worker-src`).
 */
export function createCrc64Hasher(opts: Crc64HasherOptions = {}): DisposableCrc64Hasher {
  let pool =
    typeof Worker === 'undefined'
      ? undefined
      : createWorkerPool(opts.workers ?? defaultWorkerCount(), opts.createWorker ?? startBundledWorker, opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS);

  async function digest(blob: Blob, request: JobRequest, signal: AbortSignal | undefined): Promise<BlobDigest[]> {
    if (signal?.aborted) throw abortError();
    if (pool && !pool.broken) {
      try {
        return await pool.run(blob, request, signal);
      } catch (err) {
        if (!(err instanceof WorkerUnavailableError)) throw err;
      }
    }
    return raceAbort(digestSpans(blob, request.spans, { md5: request.md5 }, () => signal?.aborted === true), signal);
  }

  return {
    async crc64(blob, signal) {
      const [only] = await digest(blob, { spans: [blob.size], md5: false, background: false }, signal);
      return only!.crc64;
    },
    digestSpans(blob, spans, request, signal) {
      return digest(blob, { spans, md5: request.md5, background: request.background === true }, signal);
    },
    combine(parts) {
      return crc64Concat(parts.map((p) => ({ crc64: BigInt(p.crc64), size: p.size }))).toString(10);
    },
    preload() {
      pool?.preload();
    },
    dispose() {
      pool?.dispose();
      pool = undefined;
    },
  };
}

/** One core is left to the page (and the browser sending the parts): at most 2, and one on a dual-core machine. */
function defaultWorkerCount(): number {
  const cores = typeof navigator === 'undefined' ? 2 : (navigator.hardwareConcurrency ?? 2);
  return Math.max(1, Math.min(2, cores - 1));
}

function startBundledWorker(): Worker {
  // This exact form lets Vite find and bundle the worker.
  return new Worker(new URL('./crc64.worker.ts', import.meta.url), { type: 'module' });
}

/** The worker could not run the job at all; the caller hashes on the main thread instead. */
class WorkerUnavailableError extends Error {
  override name = 'WorkerUnavailableError';
}

interface JobRequest {
  /** Sizes of the consecutive spans of the blob to hash apart. */
  spans: readonly number[];
  md5: boolean;
  /** Waits behind every job that is not. */
  background: boolean;
}

interface Job extends JobRequest {
  id: number;
  blob: Blob;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve: (digests: BlobDigest[]) => void;
  reject: (err: unknown) => void;
  settled: boolean;
  /** Workers that stalled on this job. */
  stalls: number;
}

interface Slot {
  worker: Worker;
  /** The job the worker is on; stays set after an abort until the worker answers, so it is not overloaded. */
  job: Job | undefined;
  /** Fires when the worker has said nothing about its job for the stall timeout. */
  stallTimer: ReturnType<typeof setTimeout> | undefined;
}

interface WorkerPool {
  readonly broken: boolean;
  run(blob: Blob, request: JobRequest, signal: AbortSignal | undefined): Promise<BlobDigest[]>;
  /** Starts the first worker, if none is running, so the first job does not wait for its start. */
  preload(): void;
  dispose(): void;
}

function createWorkerPool(size: number, startWorker: () => Worker, stallTimeoutMs: number): WorkerPool {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let broken = false;

  function settle(job: Job, outcome: () => void): void {
    if (job.settled) return;
    job.settled = true;
    // One signal may serve a whole upload's parts; leave no listener behind per part.
    job.signal?.removeEventListener('abort', job.onAbort);
    outcome();
  }

  function breakPool(): void {
    broken = true;
    const stranded = [...slots.map((s) => s.job), ...queue.splice(0)];
    for (const slot of slots.splice(0)) {
      clearTimeout(slot.stallTimer);
      slot.worker.terminate();
    }
    for (const job of stranded) if (job) settle(job, () => job.reject(new WorkerUnavailableError('CRC-64 worker failed')));
  }

  function addSlot(): Slot | undefined {
    let worker: Worker;
    try {
      worker = startWorker();
    } catch {
      breakPool();
      return undefined;
    }
    const slot: Slot = { worker, job: undefined, stallTimer: undefined };
    worker.onmessage = (event: MessageEvent<Crc64Response>) => {
      const job = slot.job;
      if (!job || job.id !== event.data.id) return;
      const response = event.data;
      if ('progress' in response) {
        watch(slot);
        return;
      }
      clearTimeout(slot.stallTimer);
      slot.job = undefined;
      if ('error' in response) settle(job, () => job.reject(new DOMException(response.error.message, response.error.name)));
      else settle(job, () => job.resolve(response.digests));
      pump();
    };
    // A script that fails to load or a crashed worker: nothing this pool sends will be answered.
    worker.onerror = (event) => {
      event.preventDefault();
      breakPool();
    };
    slots.push(slot);
    return slot;
  }

  /** (Re)starts the stall timer of the slot's job. */
  function watch(slot: Slot): void {
    clearTimeout(slot.stallTimer);
    slot.stallTimer = setTimeout(() => stalled(slot), stallTimeoutMs);
  }

  /**
   * The worker went silent mid-job (seen in Chromium as a blob read that never resolves, after
   * hundreds of parts): without this, the part waiting for its CRC would wait forever. The worker
   * is dropped; the job runs again on a fresh one, and fails if that one stalls too.
   */
  function stalled(slot: Slot): void {
    const job = slot.job;
    slots.splice(slots.indexOf(slot), 1);
    slot.worker.terminate();
    if (!job || job.settled) {
      pump();
      return;
    }
    job.stalls++;
    if (job.stalls > STALL_RETRIES) {
      const seconds = Math.round(stallTimeoutMs / 1000);
      settle(job, () => job.reject(new DOMException(`Reading the file stalled: no progress for ${seconds} s, twice.`, 'TimeoutError')));
    } else {
      queue.unshift(job);
    }
    pump();
  }

  /** First come, first served, except that a background job goes behind every other one. */
  function enqueue(job: Job): void {
    const firstBackground = job.background ? -1 : queue.findIndex((queued) => queued.background);
    if (firstBackground < 0) queue.push(job);
    else queue.splice(firstBackground, 0, job);
  }

  function pump(): void {
    while (queue.length > 0 && !broken) {
      const slot = slots.find((s) => !s.job) ?? (slots.length < size ? addSlot() : undefined);
      if (!slot) return;
      const job = queue.shift()!;
      slot.job = job;
      watch(slot);
      slot.worker.postMessage({ id: job.id, blob: job.blob, spans: [...job.spans], ...(job.md5 ? { md5: true } : {}) } satisfies Crc64Request);
    }
  }

  return {
    get broken() {
      return broken;
    },
    run(blob, request, signal) {
      return new Promise<BlobDigest[]>((resolve, reject) => {
        const job: Job = {
          ...request,
          id: nextId++,
          blob,
          signal,
          onAbort: () => {
            const queued = queue.indexOf(job);
            if (queued >= 0) queue.splice(queued, 1);
            else slots.find((s) => s.job === job)?.worker.postMessage({ id: job.id, cancel: true } satisfies Crc64Request);
            settle(job, () => job.reject(abortError()));
          },
          resolve,
          reject,
          settled: false,
          stalls: 0,
        };
        signal?.addEventListener('abort', job.onAbort, { once: true });
        enqueue(job);
        pump();
      });
    },
    preload() {
      if (!broken && slots.length === 0) addSlot();
    },
    dispose() {
      breakPool();
    },
  };
}
