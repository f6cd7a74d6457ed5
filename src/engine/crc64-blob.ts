import { createCRC64, createMD5 } from 'hash-wasm';
import type { BlobDigest } from './contracts';

/** Bytes read from the blob per step: large enough to amortise the read, small enough to stay light. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * CRC-64/ECMA-182 of a blob as OSS reports it (decimal string) and, when asked, its MD5 (upper-case
 * hex, as in a part's ETag), from one read of the blob chunk by chunk, so memory stays flat for
 * parts of any size. `isCancelled` is checked between chunks.
 */
export async function digestBlob(blob: Blob, opts: { md5: boolean }, isCancelled: () => boolean = () => false): Promise<BlobDigest> {
  // hash-wasm's default polynomial is the reflected ECMA-182 one OSS uses.
  const crc = await createCRC64();
  crc.init();
  const md5 = opts.md5 ? await createMD5() : undefined;
  md5?.init();
  for (let offset = 0; offset < blob.size; offset += CHUNK_BYTES) {
    if (isCancelled()) throw new DOMException('The operation was aborted.', 'AbortError');
    const chunk = new Uint8Array(await blob.slice(offset, Math.min(offset + CHUNK_BYTES, blob.size)).arrayBuffer());
    crc.update(chunk);
    md5?.update(chunk);
  }
  const crc64 = hexToDecimal(crc.digest('hex'));
  return md5 ? { crc64, md5: md5.digest('hex').toUpperCase() } : { crc64 };
}

/** CRC-64 alone; see `digestBlob`. */
export async function crc64OfBlob(blob: Blob, isCancelled: () => boolean = () => false): Promise<string> {
  return (await digestBlob(blob, { md5: false }, isCancelled)).crc64;
}

export function hexToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}
