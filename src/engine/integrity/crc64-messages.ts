import type { BlobDigest } from '../contracts';

/**
 * Messages between `crc64.ts` and `crc64.worker.ts`: the digests of consecutive `spans` (sizes) of
 * `blob`, one per span; `md5: true` asks for the MD5 too (same read).
 */
export type Crc64Request = { id: number; blob: Blob; spans: number[]; md5?: boolean } | { id: number; cancel: true };

/**
 * A failure keeps its DOMException name (e.g. NotReadableError when the file went away). While a
 * job reads, `progress` (bytes read so far) comes about once a second: a job that stops sending it
 * is stuck, and the pool replaces its worker.
 */
export type Crc64Response =
  | { id: number; digests: BlobDigest[] }
  | { id: number; error: { name: string; message: string } }
  | { id: number; progress: number };
