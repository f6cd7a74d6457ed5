/**
 * Bench-only worker for the stream-ahead prototype (see stream-ahead.ts): reads the file as one
 * stream, start to end, and answers the CRC-64 of each consecutive span (part) as soon as its last
 * byte has been hashed. It reads no further than the span the page allows (`allow`), so hashing
 * stays a few parts ahead of sending instead of taking the CPU all at once.
 */
import { createCRC64 } from 'hash-wasm';

export type StreamAheadRequest =
  | { type: 'start'; file: Blob; spans: number[]; allowed: number; reader: 'default' | 'byob'; chunkBytes: number }
  | { type: 'allow'; upTo: number }
  | { type: 'stop' };

export type StreamAheadResponse = { span: number; crc64: string } | { error: { name: string; message: string } };

interface WorkerScope {
  onmessage: ((event: MessageEvent<StreamAheadRequest>) => void) | null;
  postMessage(message: StreamAheadResponse): void;
}

const scope = self as unknown as WorkerScope;
let allowed = 0;
let wake: (() => void) | undefined;
let stopped = false;

scope.onmessage = (event) => {
  const request = event.data;
  if (request.type === 'allow') {
    allowed = Math.max(allowed, request.upTo);
    wake?.();
  } else if (request.type === 'stop') {
    stopped = true;
    wake?.();
  } else {
    allowed = request.allowed;
    run(request.file, request.spans, request.reader, request.chunkBytes).catch((err: unknown) => {
      const e = err as { name?: unknown; message?: unknown } | null;
      scope.postMessage({ error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err) } });
    });
  }
};

/** As in the engine's crc64-blob.ts: a read unanswered this long is stuck; fresh streams per job before waiting for good. */
const READ_STALL_MS = 5_000;
const MAX_REOPENS = 3;

function withinStallTime<T>(read: Promise<T>, watch: boolean): Promise<T | 'stalled'> {
  if (!watch) return read;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), READ_STALL_MS)));
  return Promise.race([read, stalled]).finally(() => clearTimeout(timer));
}

async function run(file: Blob, spans: number[], readerKind: 'default' | 'byob', chunkBytes: number): Promise<void> {
  const crc = await createCRC64();
  let span = 0;
  let left = spans[0] ?? 0;
  crc.init();
  const waitForAllowance = async (): Promise<void> => {
    // Span numbers are 0-based here; `allowed` counts spans that may be read.
    while (span >= allowed && !stopped) await new Promise<void>((resolve) => (wake = resolve));
  };
  const take = (chunk: Uint8Array): void => {
    for (let offset = 0; offset < chunk.length; ) {
      const piece = chunk.subarray(offset, offset + Math.min(left, chunk.length - offset));
      crc.update(piece);
      offset += piece.length;
      left -= piece.length;
      if (left === 0) {
        scope.postMessage({ span, crc64: BigInt(`0x${crc.digest('hex')}`).toString(10) });
        crc.init();
        span++;
        left = spans[span] ?? 0;
      }
    }
  };
  await waitForAllowance();
  // Bytes taken so far: a stream that stalls (Chromium's blob streams have been seen to stop answering
  // mid-file under load, see the engine's crc64-blob.ts) is dropped and a fresh one opened from here.
  let position = 0;
  for (let reopened = 0; ; reopened++) {
    const rest = position === 0 ? file : file.slice(position);
    const outcome = readerKind === 'byob' ? await readByob(rest, chunkBytes, reopened < MAX_REOPENS) : await readDefault(rest, reopened < MAX_REOPENS);
    if (outcome === 'done') return;
    console.warn(`stream-ahead: reading stalled for ${READ_STALL_MS / 1000} s at byte ${position}; reading on from there`);
  }

  async function readByob(blob: Blob, size: number, watch: boolean): Promise<'done' | 'stalled'> {
    const reader = blob.stream().getReader({ mode: 'byob' });
    let buffer = new ArrayBuffer(size);
    for (;;) {
      if (stopped) return void reader.cancel().catch(() => undefined), 'done';
      const result = await withinStallTime(reader.read(new Uint8Array(buffer)), watch);
      if (result === 'stalled') return void reader.cancel().catch(() => undefined), 'stalled';
      if (result.done || !result.value) return 'done';
      take(result.value);
      position += result.value.length;
      buffer = result.value.buffer as ArrayBuffer;
      await waitForAllowance();
    }
  }

  async function readDefault(blob: Blob, watch: boolean): Promise<'done' | 'stalled'> {
    const reader = blob.stream().getReader();
    for (;;) {
      if (stopped) return void reader.cancel().catch(() => undefined), 'done';
      const result = await withinStallTime(reader.read(), watch);
      if (result === 'stalled') return void reader.cancel().catch(() => undefined), 'stalled';
      if (result.done) return 'done';
      take(result.value);
      position += result.value.length;
      await waitForAllowance();
    }
  }
}
