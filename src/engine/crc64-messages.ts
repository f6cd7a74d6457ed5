import type { BlobDigest } from './contracts';

/** Messages between `crc64.ts` and `crc64.worker.ts`. `md5: true` asks for the MD5 too (same read). */
export type Crc64Request = { id: number; blob: Blob; md5?: boolean } | { id: number; cancel: true };

/** A failure keeps its DOMException name (e.g. NotReadableError when the file went away). */
export type Crc64Response = ({ id: number } & BlobDigest) | { id: number; error: { name: string; message: string } };
