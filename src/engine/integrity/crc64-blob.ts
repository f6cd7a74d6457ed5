// hash-wasm's default CRC-64 polynomial is the reflected ECMA-182 one OSS uses.
import { createCRC64, createMD5, type IHasher } from 'hash-wasm';
import type { BlobDigest } from '../contracts';

/**
 * Bytes per read. Reads go into one reused buffer (a BYOB reader), so hashing a part allocates
 * nothing per chunk: fresh ArrayBuffers per read would pile up as garbage faster than the
 * collector frees them, and Chromium reads a slice's stream twice as fast this way.
 */
const CHUNK_BYTES = 512 * 1024;

/**
 * CRC-64/ECMA-182 of a blob as OSS reports it (decimal string) and, when asked, its MD5 (upper-case
 * hex, as in a part's ETag), from one read of the blob chunk by chunk, so memory stays flat for
 * parts of any size. `isCancelled` is checked between chunks.
 */
export async function digestBlob(blob: Blob, opts: { md5: boolean }, isCancelled: () => boolean = () => false): Promise<BlobDigest> {
  const [digest] = await digestSpans(blob, [blob.size], opts, isCancelled);
  return digest!;
}

/**
 * The digests (as `digestBlob`) of consecutive spans of `blob`, whose sizes, in order, add up to
 * `blob.size`, from one read of the blob. Reading a run of parts as one stream is several times
 * faster in Chromium than opening each part's slice on its own.
 */
export async function digestSpans(
  blob: Blob,
  spans: readonly number[],
  opts: { md5: boolean; onProgress?: (bytesRead: number) => void },
  isCancelled: () => boolean = () => false,
): Promise<BlobDigest[]> {
  if (spans.some((span) => !Number.isInteger(span) || span < 0) || spans.reduce((a, b) => a + b, 0) !== blob.size) {
    throw new RangeError(`spans must be sizes adding up to the blob's ${blob.size} bytes`);
  }
  const crc = idleCrc64.pop() ?? (await createCRC64());
  const md5 = opts.md5 ? (idleMd5.pop() ?? (await createMD5())) : undefined;
  try {
    return await digestWith(crc, md5, blob, spans, opts.onProgress, isCancelled);
  } finally {
    idleCrc64.push(crc);
    if (md5) idleMd5.push(md5);
  }
}

/**
 * Hasher instances are kept for the next job instead of made per job: each is a WebAssembly
 * instance with its own memory, and hundreds of parts would leave hundreds of them to the garbage
 * collector. A job takes one for itself, so jobs running at once (main-thread fallback) never share.
 */
const idleCrc64: IHasher[] = [];
const idleMd5: IHasher[] = [];

async function digestWith(
  crc: IHasher,
  md5: IHasher | undefined,
  blob: Blob,
  spans: readonly number[],
  onProgress: ((bytesRead: number) => void) | undefined,
  isCancelled: () => boolean,
): Promise<BlobDigest[]> {
  const digests: BlobDigest[] = [];
  let span = 0;
  let left = spans[0] ?? 0;
  const start = (): void => {
    crc.init();
    md5?.init();
  };
  // A span ends: take its digests and start the next one (empty spans end at once).
  const finishSpans = (): void => {
    while (left === 0 && span < spans.length) {
      const crc64 = hexToDecimal(crc.digest('hex'));
      digests.push(md5 ? { crc64, md5: md5.digest('hex').toUpperCase() } : { crc64 });
      start();
      span++;
      left = spans[span] ?? 0;
    }
  };
  start();
  finishSpans();
  let bytesRead = 0;
  await readBlob(blob, isCancelled, (chunk) => {
    bytesRead += chunk.length;
    onProgress?.(bytesRead);
    for (let offset = 0; offset < chunk.length; ) {
      const piece = chunk.subarray(offset, offset + Math.min(left, chunk.length - offset));
      crc.update(piece);
      md5?.update(piece);
      offset += piece.length;
      left -= piece.length;
      finishSpans();
    }
  });
  return digests;
}

export function hexToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

/**
 * Hands every byte of `blob` to `onChunk`, in order. The chunk is only valid during the call
 * (its buffer is reused for the next read).
 */
async function readBlob(blob: Blob, isCancelled: () => boolean, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  if (blob.size === 0) return;
  let reader = byobReader(blob);
  if (!reader) {
    await readBlobBySlices(blob, isCancelled, onChunk);
    return;
  }
  let position = 0;
  let reopened = 0;
  try {
    let buffer = new ArrayBuffer(Math.min(CHUNK_BYTES, blob.size));
    for (;;) {
      throwIfCancelled(isCancelled);
      const result = await readOrStall(reader, new Uint8Array(buffer), reopened < MAX_REOPENS ? READ_STALL_MS : undefined);
      if (result === 'stalled') {
        // Chromium's blob stream has been seen to stop answering mid-file, under load. The buffer
        // went to the stuck read; a fresh stream from where this one stopped carries on.
        reopened++;
        console.warn(`CRC-64: reading the file stalled for ${READ_STALL_MS / 1000} s at byte ${position} of ${blob.size}; reading on from there`);
        release(reader);
        reader = byobReader(blob.slice(position))!;
        buffer = new ArrayBuffer(Math.min(CHUNK_BYTES, blob.size));
        continue;
      }
      const { done, value } = result;
      if (!value) return; // the stream was cancelled
      buffer = value.buffer as ArrayBuffer;
      if (done) return;
      position += value.length;
      onChunk(value);
    }
  } finally {
    release(reader);
  }
}

/** Cancels the stream and lets go of it, a read still pending or not. */
function release(reader: ReadableStreamBYOBReader): void {
  reader.cancel().catch(() => undefined);
  try {
    reader.releaseLock();
  } catch {
    // Older engines refuse while a read is pending; the cancelled stream is dropped anyway.
  }
}

/** A read that has not answered for this long is taken as stuck (a local file read takes milliseconds). */
const READ_STALL_MS = 5_000;
/** Fresh streams per job; after that, reads are waited for (the worker pool's stall timer still watches). */
const MAX_REOPENS = 3;

function readOrStall(
  reader: ReadableStreamBYOBReader,
  view: Uint8Array<ArrayBuffer>,
  stallMs: number | undefined,
): Promise<ReadableStreamReadResult<Uint8Array<ArrayBuffer>> | 'stalled'> {
  const read = reader.read(view);
  if (stallMs === undefined) return read;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), stallMs);
  });
  return Promise.race([read, stalled]).finally(() => clearTimeout(timer));
}

/** A reader that fills a given buffer, where `Blob.stream()` is a byte stream (Chromium, Firefox, Node). */
function byobReader(blob: Blob): ReadableStreamBYOBReader | undefined {
  if (typeof blob.stream !== 'function') return undefined;
  try {
    return blob.stream().getReader({ mode: 'byob' });
  } catch {
    return undefined;
  }
}

/** Fallback: one `arrayBuffer()` per chunk-sized slice. */
async function readBlobBySlices(blob: Blob, isCancelled: () => boolean, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const sliceBytes = 8 * CHUNK_BYTES;
  for (let offset = 0; offset < blob.size; offset += sliceBytes) {
    throwIfCancelled(isCancelled);
    onChunk(new Uint8Array(await blob.slice(offset, Math.min(offset + sliceBytes, blob.size)).arrayBuffer()));
  }
}

function throwIfCancelled(isCancelled: () => boolean): void {
  if (isCancelled()) throw new DOMException('The operation was aborted.', 'AbortError');
}
