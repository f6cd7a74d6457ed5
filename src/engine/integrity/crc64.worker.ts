/**
 * Module worker hashing parts off the main thread. Messages in: `{ id, blob, spans, md5? }` to hash
 * (CRC-64 of each span, plus MD5 when asked), `{ id, cancel: true }` to stop one early. Messages out:
 * `{ id, progress }` about once a second while reading, then `{ id, digests }` or `{ id, error }`.
 */
import { digestSpans } from './crc64-blob';
import type { Crc64Request, Crc64Response } from './crc64-messages';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Crc64Request>) => void) | null;
  postMessage(message: Crc64Response): void;
}

const scope = self as unknown as WorkerScope;
/** Jobs running here, mapped to whether they were cancelled. */
const running = new Map<number, boolean>();
/** How often a running job says it is alive. */
const PROGRESS_EVERY_MS = 1000;

scope.onmessage = (event) => {
  const request = event.data;
  if ('cancel' in request) {
    if (running.has(request.id)) running.set(request.id, true);
    return;
  }
  running.set(request.id, false);
  let reported = performance.now();
  const onProgress = (bytesRead: number): void => {
    if (performance.now() - reported < PROGRESS_EVERY_MS) return;
    reported = performance.now();
    scope.postMessage({ id: request.id, progress: bytesRead });
  };
  digestSpans(request.blob, request.spans, { md5: request.md5 === true, onProgress }, () => running.get(request.id) === true)
    .then(
      (digests) => scope.postMessage({ id: request.id, digests }),
      (err: unknown) => {
        const e = err as { name?: unknown; message?: unknown } | null;
        scope.postMessage({ id: request.id, error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err) } });
      },
    )
    .finally(() => running.delete(request.id));
};
