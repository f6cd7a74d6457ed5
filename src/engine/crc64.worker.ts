/**
 * Module worker computing part CRC-64s off the main thread. Messages in: `{ id, blob }` to hash,
 * `{ id, cancel: true }` to stop one early. Messages out: `{ id, crc64 }` or `{ id, error }`.
 */
import { crc64OfBlob } from './crc64-blob';
import type { Crc64Request, Crc64Response } from './crc64-messages';

interface WorkerScope {
  onmessage: ((event: MessageEvent<Crc64Request>) => void) | null;
  postMessage(message: Crc64Response): void;
}

const scope = self as unknown as WorkerScope;
/** Jobs running here, mapped to whether they were cancelled. */
const running = new Map<number, boolean>();

scope.onmessage = (event) => {
  const request = event.data;
  if ('cancel' in request) {
    if (running.has(request.id)) running.set(request.id, true);
    return;
  }
  running.set(request.id, false);
  crc64OfBlob(request.blob, () => running.get(request.id) === true)
    .then(
      (crc64) => scope.postMessage({ id: request.id, crc64 }),
      (err: unknown) => {
        const e = err as { name?: unknown; message?: unknown } | null;
        scope.postMessage({ id: request.id, error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err) } });
      },
    )
    .finally(() => running.delete(request.id));
};
