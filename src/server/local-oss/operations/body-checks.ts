import type { OssRequest } from '../request';
import { OssError } from '../errors';
import type { StoredHeaders } from '../storage/records';

const STORED_HEADERS = ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires'];

/** Headers of PutObject / InitiateMultipartUpload that GET and HEAD give back. */
export function storedHeadersOf(request: OssRequest): StoredHeaders {
  const stored: StoredHeaders = { 'content-type': 'application/octet-stream' };
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && (STORED_HEADERS.includes(name) || name.startsWith('x-oss-meta-'))) stored[name] = value;
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
