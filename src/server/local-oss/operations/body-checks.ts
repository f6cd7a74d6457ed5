import type { Readable } from 'node:stream';
import type { OssRequest } from '../request';
import { OssError } from '../errors';
import type { StoredHeaders } from '../storage/records';

const STORED_HEADERS = ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires'];
const USER_METADATA_PREFIX = 'x-oss-meta-';

/**
 * OSS: the user metadata of one object, every `x-oss-meta-*` header name and value together, may
 * not exceed 8 KB (help topic and EC 0011-00000002). Each upload keeps it on disk; this also bounds
 * what every object record holds.
 */
export const MAX_USER_METADATA_BYTES = 8 * 1024;

/**
 * Headers of PutObject / InitiateMultipartUpload that GET and HEAD give back. Throws InvalidArgument
 * when the user metadata is larger than OSS allows; call it before reading a body.
 */
export function storedHeadersOf(request: OssRequest): StoredHeaders {
  const stored: StoredHeaders = { 'content-type': 'application/octet-stream' };
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name.startsWith(USER_METADATA_PREFIX)) {
      // Node decodes header bytes as latin1, one character per byte: lengths are bytes on the wire.
      metadataBytes += name.length + value.length;
      stored[name] = value;
    } else if (STORED_HEADERS.includes(name)) {
      stored[name] = value;
    }
  }
  if (metadataBytes > MAX_USER_METADATA_BYTES) {
    // OSS documents this case by its EC only, not its Code; InvalidArgument is the nearest code here.
    throw new OssError('InvalidArgument', `The user metadata (x-oss-meta-* header names and values) is ${metadataBytes} bytes; at most ${MAX_USER_METADATA_BYTES} are allowed.`, {
      EC: '0011-00000002',
    });
  }
  return stored;
}

/** Rejects an oversized or length-less body before a byte of it is read. */
export function checkDeclaredLength(request: OssRequest, maxBytes: number): void {
  const declared = request.headers['content-length'];
  if (declared === undefined) {
    if (request.headers['transfer-encoding'] === undefined) throw new OssError('MissingContentLength');
    return;
  }
  if (!/^\d+$/.test(declared)) throw new OssError('InvalidArgument', 'Content-Length is not a number.');
  if (Number(declared) > maxBytes) throw new OssError('EntityTooLarge');
}

/** The `Content-MD5` header when present; InvalidDigest unless it is base64 of 16 bytes. */
export function contentMd5Of(request: OssRequest): string | undefined {
  const value = request.headers['content-md5'];
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]{22}==$/.test(value)) throw new OssError('InvalidDigest');
  return value;
}

export function forbidsOverwrite(request: OssRequest): boolean {
  return request.headers['x-oss-forbid-overwrite']?.toLowerCase() === 'true';
}

/** A small request body (XML), whole; `tooLarge` once it passes `maxBytes`. */
export async function readSmallBody(body: Readable, maxBytes: number, tooLarge: () => OssError): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
