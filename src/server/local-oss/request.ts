import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { OssError } from './errors';

/** One OSS request as the server sees it: addressing resolved, key and query decoded. */
export interface OssRequest {
  /** Upper-case. */
  method: string;
  /** From `{bucket}.{host}` (virtual-host style) or the first path segment (path style). */
  bucket: string | null;
  /** Decoded object key; null for bucket-level requests. */
  key: string | null;
  /** Decoded query pairs in order; '' for a name without value (`?uploads`). */
  query: Array<[string, string]>;
  /** Lower-case names; repeated headers joined with ','. */
  headers: Record<string, string | undefined>;
}

export function parseOssRequest(req: IncomingMessage): OssRequest {
  const rawUrl = req.url ?? '/';
  const questionMark = rawUrl.indexOf('?');
  const rawPath = questionMark === -1 ? rawUrl : rawUrl.slice(0, questionMark);
  const rawQuery = questionMark === -1 ? '' : rawUrl.slice(questionMark + 1);
  const headers = flattenHeaders(req.headers);
  const hostBucket = bucketFromHost(headers.host);
  // The path is percent-decoded as a whole; `+` stays `+` (ali-oss sends a literal plus as %2B).
  const path = decode(rawPath);
  const pathAfterSlash = path.startsWith('/') ? path.slice(1) : path;

  let bucket: string | null;
  let key: string;
  if (hostBucket !== null) {
    bucket = hostBucket;
    key = pathAfterSlash;
  } else {
    const slash = pathAfterSlash.indexOf('/');
    bucket = (slash === -1 ? pathAfterSlash : pathAfterSlash.slice(0, slash)) || null;
    key = slash === -1 ? '' : pathAfterSlash.slice(slash + 1);
  }
  return { method: (req.method ?? 'GET').toUpperCase(), bucket, key: key === '' ? null : key, query: parseQuery(rawQuery), headers };
}

/** `examplebucket.localhost:9000` → `examplebucket`; `localhost`, IP literals and bare names → null. */
export function bucketFromHost(host: string | undefined): string | null {
  if (!host) return null;
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  if (hostname.startsWith('[') || isIP(hostname) !== 0) return null;
  const dot = hostname.indexOf('.');
  return dot > 0 ? hostname.slice(0, dot).toLowerCase() : null;
}

export function queryValue(request: OssRequest, name: string): string | undefined {
  return request.query.find(([candidate]) => candidate === name)?.[1];
}

export function hasQueryParam(request: OssRequest, name: string): boolean {
  return request.query.some(([candidate]) => candidate === name);
}

function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? [decode(pair), ''] : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new OssError('InvalidArgument', 'The request URI is not valid percent-encoded UTF-8.');
  }
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value.join(',') : value;
  return flat;
}
