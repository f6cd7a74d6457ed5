import { createCRC64 } from 'hash-wasm';

/** Bytes read from the blob per step: large enough to amortise the read, small enough to stay light. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * CRC-64/ECMA-182 of a blob as OSS reports it (decimal string), reading it chunk by chunk so memory
 * stays flat for parts of any size. `isCancelled` is checked between chunks.
 */
export async function crc64OfBlob(blob: Blob, isCancelled: () => boolean = () => false): Promise<string> {
  // hash-wasm's default polynomial is the reflected ECMA-182 one OSS uses.
  const hasher = await createCRC64();
  hasher.init();
  for (let offset = 0; offset < blob.size; offset += CHUNK_BYTES) {
    if (isCancelled()) throw new DOMException('The operation was aborted.', 'AbortError');
    const chunk = await blob.slice(offset, Math.min(offset + CHUNK_BYTES, blob.size)).arrayBuffer();
    hasher.update(new Uint8Array(chunk));
  }
  return hexToDecimal(hasher.digest('hex'));
}

export function hexToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}
