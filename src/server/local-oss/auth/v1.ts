import { createHmac } from 'node:crypto';
import { OssError } from '../errors';
import { resolveCredentials } from './credentials';
import { assertNotExpired, assertWithinSkew, parseHttpDate } from './request-time';
import { safeEqual } from './safe-equal';
import { header, headerBytes, joinLines, queryValue, signatureMismatch, textBytes, trimHeaderValue } from './request-parts';
import type { AuthContext, AuthRequest, Principal } from './types';

/**
 * Query parameters that are part of the V1 CanonicalizedResource. Everything else (prefix, marker,
 * max-keys, …) is unsigned, exactly as ali-oss passes it outside `subres`.
 */
export const V1_SUB_RESOURCES: ReadonlySet<string> = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName',
  'replication', 'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live',
  'status', 'vod', 'startTime', 'endTime', 'symlink', 'x-oss-process', 'x-oss-traffic-limit',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage', 'udfId',
  'udfImageDesc', 'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var',
  'continuation-token', 'stat', 'versions', 'versioning', 'versionId', 'requestPayment', 'sequential',
  'inventory', 'inventoryId', 'worm', 'wormId', 'wormExtend', 'policy', 'encryption', 'transferAcceleration',
  'regionList', 'cloudboxes', 'resourceGroup',
]);

/**
 * `VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource`, with
 * `dateLine` being the Date header, the `x-oss-date` value, or a presigned URL's Expires. Bytes, not
 * text: header values are signed as the bytes that arrived (non-ASCII metadata included), the
 * resource as UTF-8.
 */
export function v1StringToSign(req: AuthRequest, dateLine: string): Buffer {
  const ossHeaders = Object.entries(req.headers)
    .filter((entry): entry is [string, string] => entry[0].startsWith('x-oss-') && entry[1] !== undefined)
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([name, value]) => headerBytes(`${name}:${trimHeaderValue(value)}`));
  return joinLines([
    textBytes(req.method),
    headerBytes(header(req, 'content-md5') ?? ''),
    headerBytes(header(req, 'content-type') ?? ''),
    headerBytes(dateLine),
    ...ossHeaders,
    textBytes(v1CanonicalizedResource(req)),
  ]);
}

/** `/bucket/key` with the decoded key, then the sub-resources sorted by name, `name` alone when empty. */
export function v1CanonicalizedResource(req: AuthRequest): string {
  const path = req.bucket ? `/${req.bucket}/${req.key ?? ''}` : `/${req.key ?? ''}`;
  const subResources = req.query
    .filter(([name]) => V1_SUB_RESOURCES.has(name))
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  return subResources.length > 0 ? `${path}?${subResources.join('&')}` : path;
}

export function v1Signature(secret: string, stringToSign: Buffer): string {
  return createHmac('sha1', secret).update(stringToSign).digest('base64');
}

/** `Authorization: OSS {AccessKeyId}:{Signature}` */
export function verifyV1Header(req: AuthRequest, authorization: string, ctx: AuthContext): Principal {
  const match = /^OSS (.*)$/.exec(authorization.trim());
  if (!match) throw new OssError('InvalidArgument', 'Authorization header is invalid.');
  const credentials = match[1] ?? '';
  const colon = credentials.lastIndexOf(':');
  const accessKeyId = colon > 0 ? credentials.slice(0, colon).trim() : '';
  const signature = colon > 0 ? credentials.slice(colon + 1).trim() : '';
  if (!accessKeyId || !signature) {
    throw new OssError('InvalidArgument', 'AccessKeyId or Signature is missing in Authorization header value.');
  }

  const date = header(req, 'date');
  const ossDate = header(req, 'x-oss-date');
  assertWithinSkew(ossDate ?? date, parseHttpDate, ctx);

  const { principal, secret } = resolveCredentials(accessKeyId, header(req, 'x-oss-security-token'), ctx);
  // OSS signs the Date header; clients that cannot send one (browsers) put x-oss-date in that line.
  // Which one OSS prefers when both are present is unconfirmed, so either is accepted.
  const dateLines = [...new Set([date, ossDate].filter((value): value is string => value !== undefined))];
  const candidates = dateLines.map((line) => v1StringToSign(req, line));
  if (candidates.some((candidate) => safeEqual(signature, v1Signature(secret, candidate)))) return principal;
  throw signatureMismatch(candidates[0] ?? Buffer.alloc(0), accessKeyId, signature, {}, { withBytes: true });
}

/** `?OSSAccessKeyId=…&Expires=…&Signature=…[&security-token=…]` */
export function verifyV1Query(req: AuthRequest, ctx: AuthContext): Principal {
  const accessKeyId = queryValue(req, 'OSSAccessKeyId');
  const expires = queryValue(req, 'Expires');
  const signature = queryValue(req, 'Signature');
  if (!accessKeyId || !expires || !signature) {
    throw new OssError('AccessDenied', 'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters');
  }
  if (!/^\d{1,12}$/.test(expires)) throw new OssError('InvalidArgument', 'Expires must be a number of seconds since the epoch.');
  assertNotExpired(Number(expires) * 1000, ctx);
  if (header(req, 'x-oss-security-token') !== undefined) {
    throw new OssError('InvalidRequest', 'Security-token must be provided by query string parameter.');
  }

  const { principal, secret } = resolveCredentials(accessKeyId, queryValue(req, 'security-token'), ctx);
  const stringToSign = v1StringToSign(req, expires);
  if (safeEqual(signature, v1Signature(secret, stringToSign))) return principal;
  throw signatureMismatch(stringToSign, accessKeyId, signature, {}, { withBytes: true });
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
