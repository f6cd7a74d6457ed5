/**
 * Bench-only prototype: parts are sent as today (the browser reads each part's Blob slice itself,
 * XHR), and their CRC-64s come from ONE sequential stream over the file in a worker, a few parts
 * ahead of the sends, instead of one stream per part slice. Still two reads of each byte, but the
 * hashing read is a single stream (cheaper per byte in Chromium than a stream per slice), memory
 * stays flat (chunks only), and a part's CRC is usually ready when its PUT answers.
 *
 * The CRC of a part is matched to the PUT by part number (from the presigned URL); the engine still
 * compares it with the server's and combines the parts' CRCs for the object's.
 */
import type { Crc64Hasher, PartTransport } from '../../../src/engine/contracts';
import { planParts } from '../../../src/engine/transfer/part-plan';
import { tracedTransport } from './trace';
import type { StreamAheadRequest, StreamAheadResponse } from './stream-ahead.worker';

export interface StreamAheadOptions {
  partSize: number;
  /** Parts the stream may read beyond the highest part being sent. */
  ahead: number;
  reader: 'default' | 'byob';
  /** Bytes per BYOB read. */
  chunkBytes: number;
}

export function streamAhead(inner: Crc64Hasher, file: File, opts: StreamAheadOptions): { hasher: Crc64Hasher; transport: PartTransport; dispose(): void } {
  const plan = planParts(file.size, opts.partSize);
  const deferred = plan.parts.map(() => {
    let resolve!: (crc: string) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    return { promise, resolve, reject };
  });
  let worker: Worker | undefined;
  const start = (): Worker => {
    if (worker) return worker;
    worker = new Worker(new URL('./stream-ahead.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<StreamAheadResponse>) => {
      const message = event.data;
      if ('error' in message) {
        const err = new DOMException(message.error.message, message.error.name);
        for (const d of deferred) d.reject(err);
        return;
      }
      deferred[message.span]?.resolve(message.crc64);
    };
    worker.postMessage({ type: 'start', file, spans: plan.parts.map((p) => p.end - p.start), allowed: opts.ahead, reader: opts.reader, chunkBytes: opts.chunkBytes } satisfies StreamAheadRequest);
    return worker;
  };
  // The engine asks for a blob's CRC before its first PUT and reads the answer after it.
  const byBlob = new WeakMap<Blob, { promise: Promise<string>; link: (part: number) => void }>();
  const entryFor = (blob: Blob) => {
    let entry = byBlob.get(blob);
    if (!entry) {
      let link!: (part: number) => void;
      const promise = new Promise<number>((resolve) => (link = resolve)).then((part) => deferred[part - 1]!.promise);
      entry = { promise, link };
      byBlob.set(blob, entry);
    }
    return entry;
  };
  const inner_transport = tracedTransport('stream-ahead');
  return {
    hasher: {
      ...inner,
      crc64(blob) {
        start();
        // The single-PutObject case (whole file, no part number): hashed as today.
        if (plan.single) return inner.crc64(blob);
        return entryFor(blob).promise;
      },
    },
    transport: {
      put(p) {
        const part = Number(new URL(p.url).searchParams.get('partNumber') ?? NaN);
        if (Number.isFinite(part)) {
          entryFor(p.body).link(part);
          start().postMessage({ type: 'allow', upTo: part + opts.ahead } satisfies StreamAheadRequest);
        }
        return inner_transport.put(p);
      },
    },
    dispose() {
      worker?.postMessage({ type: 'stop' } satisfies StreamAheadRequest);
      worker?.terminate();
    },
  };
}
