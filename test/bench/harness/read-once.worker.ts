/**
 * Bench-only worker for the read-once prototypes (see read-once.ts). Two jobs:
 * - `send`: reads a part Blob into memory once, starts its PUT with those bytes, hashes the same bytes
 *   while they go out, and answers the server's CRC-64 with the local one;
 * - `hash`: the CRC-64 of a transferred ArrayBuffer (the part the main thread is sending).
 * `cancel` aborts a `send` (its XHR) or drops a `hash` answer.
 */
import { crc64OfBuffer, putBuffer, type BufferPut, type PutAnswer, type PutFailure } from './buffer-put';

export type ReadOnceRequest =
  | {
      type: 'send';
      id: number;
      url: string;
      blob: Blob;
      contentType?: string;
      headers?: Record<string, string>;
      stallTimeoutMs: number;
      /** What the XHR sends: the ArrayBuffer itself, or a Blob made of it (`new Blob([bytes])`). */
      body: 'buffer' | 'blob';
    }
  | { type: 'hash'; id: number; buffer: ArrayBuffer }
  | { type: 'cancel'; id: number };

export type ReadOnceResponse =
  | { id: number; progress: number }
  | { id: number; sent: PutAnswer; localCrc: string }
  | { id: number; localCrc: string }
  | { id: number; error: PutFailure };

interface WorkerScope {
  onmessage: ((event: MessageEvent<ReadOnceRequest>) => void) | null;
  postMessage(message: ReadOnceResponse): void;
}

const scope = self as unknown as WorkerScope;
const running = new Map<number, { cancelled: boolean; put?: BufferPut }>();
/** Progress messages at most this often per part (each is a postMessage to the page). */
const PROGRESS_EVERY_MS = 100;

scope.onmessage = (event) => {
  const request = event.data;
  if (request.type === 'cancel') {
    const job = running.get(request.id);
    if (job) {
      job.cancelled = true;
      job.put?.abort();
    }
    return;
  }
  const job: { cancelled: boolean; put?: BufferPut } = { cancelled: false };
  running.set(request.id, job);
  const work = request.type === 'hash' ? hashJob(request.buffer) : sendJob(request, job);
  work
    .then(
      (answer) => {
        if (!job.cancelled) scope.postMessage({ id: request.id, ...answer } as ReadOnceResponse);
      },
      (err: unknown) => scope.postMessage({ id: request.id, error: asFailure(err) }),
    )
    .finally(() => running.delete(request.id));
};

async function hashJob(buffer: ArrayBuffer): Promise<{ localCrc: string }> {
  return { localCrc: await crc64OfBuffer(buffer) };
}

async function sendJob(
  request: Extract<ReadOnceRequest, { type: 'send' }>,
  job: { cancelled: boolean; put?: BufferPut },
): Promise<{ sent: PutAnswer; localCrc: string }> {
  // The one read of the part's bytes.
  const bytes = await request.blob.arrayBuffer();
  if (job.cancelled) throw { name: 'AbortError', message: 'The operation was aborted.' } satisfies PutFailure;
  let reported = 0;
  const body = request.body === 'blob' ? new Blob([bytes], { type: request.contentType ?? '' }) : bytes;
  job.put = putBuffer(request.url, body, {
    ...(request.contentType ? { contentType: request.contentType } : {}),
    ...(request.headers ? { headers: request.headers } : {}),
    stallTimeoutMs: request.stallTimeoutMs,
    onProgress: (loaded) => {
      const now = performance.now();
      if (now - reported < PROGRESS_EVERY_MS && loaded < bytes.byteLength) return;
      reported = now;
      scope.postMessage({ id: request.id, progress: loaded });
    },
  });
  // Hashed while the request sends its copy of the same bytes.
  const localCrc = await crc64OfBuffer(bytes);
  const sent = await job.put.done;
  return { sent, localCrc };
}

function asFailure(err: unknown): PutFailure {
  if (err instanceof DOMException || err instanceof Error) return { name: err.name, message: err.message };
  const e = err as Partial<PutFailure> | null;
  return {
    name: String(e?.name ?? 'Error'),
    message: String(e?.message ?? err),
    ...(e?.status !== undefined ? { status: e.status } : {}),
    ...(e?.ossCode !== undefined ? { ossCode: e.ossCode } : {}),
    ...(e?.requestId !== undefined ? { requestId: e.requestId } : {}),
  };
}
