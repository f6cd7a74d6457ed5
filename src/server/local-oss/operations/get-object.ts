import { validateHeaderValue } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { OssError } from '../errors';
import { queryValue } from '../request';
import { sendEmpty } from '../respond';
import type { BlobSlice } from '../storage/blob-store';
import type { ObjectRecord } from '../storage/records';
import type { OperationContext } from './context';

/** `response-*` query parameters override these response headers. */
const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type',
  'response-content-language': 'Content-Language',
  'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control',
  'response-content-disposition': 'Content-Disposition',
  'response-content-encoding': 'Content-Encoding',
};

/**
 * Types a browser runs as script or renders as a document that can run script. On its default
 * domains OSS answers "certain file types (such as HTML)" with `x-oss-force-download: true` and
 * `Content-Disposition: attachment` (help: "How to ensure an object is previewed when you access
 * it"), without a published list of those script types, so this list is ours and conservative:
 * HTML, every XML type (SVG, XHTML, RSS, XSLT: an XML document may carry XHTML or SVG script), the
 * WHATWG JavaScript MIME types, and a few legacy ones. The raster image types that help topic
 * 0048-00000101 also lists are not forced here: they run no script.
 */
const ACTIVE_TYPES: ReadonlySet<string> = new Set([
  'text/html',
  'text/xsl',
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
  'multipart/x-mixed-replace',
  'application/x-shockwave-flash',
]);

/** An RFC 9110 token: what a media type's type and subtype, and a disposition type, must be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `HEAD /{key}`: the GET headers without a body (errors too are bodiless, see the server). */
export async function headObject(ctx: OperationContext): Promise<void> {
  const object = findObject(ctx);
  if (!preconditionsHold(ctx, object)) return;
  sendEmpty(ctx.res, 200, { ...objectHeaders(ctx, object), 'Content-Length': String(object.size) });
}

/** `GET /{key}` with an optional single `Range`; streams across part files without copying them. */
export async function getObject(ctx: OperationContext): Promise<void> {
  const object = findObject(ctx);
  if (!preconditionsHold(ctx, object)) return;
  const range = parseRange(ctx.request.headers.range, object.size, standardRangeBehavior(ctx));
  const { res } = ctx;
  for (const [name, value] of Object.entries(objectHeaders(ctx, object))) res.setHeader(name, value);
  const [start, end] = range ?? [0, object.size - 1];
  if (range) {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${object.size}`);
  } else {
    res.statusCode = 200;
  }
  res.setHeader('Content-Length', String(end - start + 1));
  await pipeline(ctx.blobs.read(slicesFor(object, start, end)), res);
}

function findObject(ctx: OperationContext): ObjectRecord {
  const object = ctx.bucket.getObject(ctx.key);
  if (!object) throw new OssError('NoSuchKey', undefined, { Key: ctx.key });
  return object;
}

function objectHeaders(ctx: OperationContext, object: ObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: object.etag,
    'Last-Modified': new Date(object.lastModified).toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': object.type,
    'x-oss-storage-class': 'Standard',
    'x-oss-hash-crc64ecma': object.crc64,
  };
  for (const [name, value] of Object.entries(object.headers)) headers[name] = value;
  const tagCount = Object.keys(object.tags ?? {}).length;
  if (tagCount > 0) headers['x-oss-tagging-count'] = String(tagCount);
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = queryValue(ctx.request, parameter);
    if (value === undefined || value === '') continue;
    assertHeaderValue(parameter, header, value);
    headers[header.toLowerCase()] = value;
  }
  // Decided on the type actually served, so a response-* override cannot switch it off.
  headers['x-content-type-options'] = 'nosniff';
  if (isActiveContentType(headers['content-type'])) {
    headers['content-disposition'] = asAttachment(headers['content-disposition']);
    headers['x-oss-force-download'] = 'true';
  }
  return headers;
}

/**
 * True for a type in (or ending like) ACTIVE_TYPES, case and parameters aside. A type that is not
 * one clean `type/subtype` (empty, a comma list, garbage) counts too: a browser may sniff it, or
 * take the last type of a list (Fetch "extract a MIME type"), whatever nosniff says.
 */
function isActiveContentType(contentType: string | undefined): boolean {
  const [essence = ''] = (contentType ?? '').split(';', 1);
  const parts = essence.trim().toLowerCase().split('/');
  if (parts.length !== 2 || !parts.every((part) => TOKEN.test(part))) return true;
  const [type, subtype] = parts as [string, string];
  return ACTIVE_TYPES.has(`${type}/${subtype}`) || subtype === 'xml' || subtype.endsWith('+xml');
}

/** `attachment`, keeping the parameters (the file name) of the stored or requested disposition. */
function asAttachment(disposition: string | undefined): string {
  const value = (disposition ?? '').trim();
  const semicolon = value.indexOf(';');
  const head = (semicolon === -1 ? value : value.slice(0, semicolon)).trim();
  // A leading disposition type (`inline`, or any other token) is replaced; a leading parameter is kept.
  const parameters = head === '' || TOKEN.test(head) ? (semicolon === -1 ? '' : value.slice(semicolon + 1).trim()) : value;
  return parameters === '' ? 'attachment' : `attachment; ${parameters}`;
}

/** An override Node cannot send (CR, LF, control characters) is the client's error, not a 500. */
function assertHeaderValue(parameter: string, header: string, value: string): void {
  try {
    validateHeaderValue(header, value);
  } catch (error) {
    throw new OssError('InvalidArgument', `The ${parameter} parameter is not a valid header value.`, { ArgumentName: parameter }, { cause: error });
  }
}

/** Sends 304/412 and returns false when a conditional header says so. */
function preconditionsHold(ctx: OperationContext, object: ObjectRecord): boolean {
  const { headers } = ctx.request;
  const modifiedSeconds = Math.floor(object.lastModified / 1000);
  const sinceSeconds = (value: string | undefined): number | null => {
    const ms = value === undefined ? NaN : Date.parse(value);
    return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
  };
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined && !etagListMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  const unmodifiedSince = sinceSeconds(headers['if-unmodified-since']);
  if (unmodifiedSince !== null && modifiedSeconds > unmodifiedSince) throw preconditionFailed('If-Unmodified-Since');
  const ifNoneMatch = headers['if-none-match'];
  const modifiedSince = sinceSeconds(headers['if-modified-since']);
  if ((ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, object.etag)) || (modifiedSince !== null && modifiedSeconds <= modifiedSince)) {
    sendEmpty(ctx.res, 304, { ETag: object.etag, 'Last-Modified': new Date(object.lastModified).toUTCString() });
    return false;
  }
  return true;
}

/**
 * OSS names the failed condition in a `<Condition>` element after the standard message; ali-oss
 * appends it, so the error reads "At least one of the pre-conditions you specified did not hold.
 * (condition: If-Unmodified-Since)", as ali-oss's tests against OSS expect.
 */
function preconditionFailed(condition: 'If-Match' | 'If-Unmodified-Since'): OssError {
  return new OssError('PreconditionFailed', undefined, { Condition: condition });
}

function etagListMatches(list: string, etag: string): boolean {
  return list.split(',').some((candidate) => candidate.trim() === '*' || candidate.trim().toUpperCase() === etag.toUpperCase());
}

/**
 * One range `bytes=a-b`, `bytes=a-` or `bytes=-n`. OSS by default ignores a range that does not lie
 * within the object, the end included (`bytes=500-2000` of 1000 bytes: the whole object with 200),
 * and anything it cannot parse. With `x-oss-range-behavior: standard` it follows RFC 7233: the end
 * is clamped to the object, a suffix longer than the object is the whole object (206), and a start
 * at or past the end is 416 InvalidRange (help.aliyun.com, "How to obtain OSS resources by
 * segmenting HTTP Range requests"). Null means: the whole object with 200.
 */
export function parseRange(header: string | undefined, size: number, standard = false): [number, number] | null {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return null;
    if (size === 0) return standard ? unsatisfiable() : null;
    if (suffix > size) return standard ? [0, size - 1] : null;
    return [size - suffix, size - 1];
  }
  const start = Number(first);
  const requestedEnd = last === '' ? null : Number(last);
  if (requestedEnd !== null && requestedEnd < start) return null;
  if (start >= size) return standard ? unsatisfiable() : null;
  if (requestedEnd === null) return [start, size - 1];
  if (requestedEnd >= size) return standard ? [start, size - 1] : null;
  return [start, requestedEnd];
}

function unsatisfiable(): never {
  throw new OssError('InvalidRange');
}

/** `x-oss-range-behavior: standard`; other values are refused by the operations table. */
function standardRangeBehavior(ctx: OperationContext): boolean {
  return ctx.request.headers['x-oss-range-behavior']?.toLowerCase() === 'standard';
}

/** The pieces of the object's data files that make up bytes start..end (inclusive). */
export function slicesFor(object: Pick<ObjectRecord, 'segments'>, start: number, end: number): BlobSlice[] {
  const slices: BlobSlice[] = [];
  let offset = 0;
  for (const segment of object.segments) {
    const segmentEnd = offset + segment.size - 1;
    if (segmentEnd >= start && offset <= end && segment.size > 0) {
      slices.push({ blob: segment.blob, start: Math.max(start, offset) - offset, end: Math.min(end, segmentEnd) - offset });
    }
    offset += segment.size;
  }
  return slices;
}
