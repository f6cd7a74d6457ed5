import { OssError } from '../errors';
import { queryValue } from '../request';
import { isoTime, sendXml } from '../respond';
import type { ObjectRecord } from '../storage/records';
import type { XmlElement } from '../xml';
import { OWNER_ID, type OperationContext } from './context';
import { listPage, nameEncoder, parseMax } from './listing';

const DEFAULT_MAX_KEYS = 100;
const MAX_KEYS_LIMIT = 1000;

/** `GET /` (ListObjects, v1). `<Owner>` is always present: ali-oss `list()` reads it unconditionally. */
export async function listObjects(ctx: OperationContext): Promise<void> {
  const query = (name: string): string => queryValue(ctx.request, name) ?? '';
  const encode = nameEncoder(queryValue(ctx.request, 'encoding-type'));
  const maxKeys = parseMax('max-keys', queryValue(ctx.request, 'max-keys'), DEFAULT_MAX_KEYS, MAX_KEYS_LIMIT);
  const page = listPage(ctx.bucket.sortedKeys(), (key) => key, { prefix: query('prefix'), delimiter: query('delimiter'), after: query('marker'), max: maxKeys });
  sendXml(ctx.res, 200, 'ListBucketResult', {
    Name: ctx.bucket.name,
    Prefix: encode(query('prefix')),
    Marker: encode(query('marker')),
    MaxKeys: maxKeys,
    Delimiter: encode(query('delimiter')),
    ...(query('encoding-type') ? { EncodingType: 'url' } : {}),
    IsTruncated: String(page.isTruncated),
    ...(page.isTruncated && page.last !== undefined ? { NextMarker: encode(page.last) } : {}),
    Contents: contentsOf(ctx, page.items, encode, true),
    CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
}

/** `GET /?list-type=2` (ListObjectsV2): opaque continuation tokens, `KeyCount`, owner only on request. */
export async function listObjectsV2(ctx: OperationContext): Promise<void> {
  const query = (name: string): string => queryValue(ctx.request, name) ?? '';
  const encode = nameEncoder(queryValue(ctx.request, 'encoding-type'));
  const maxKeys = parseMax('max-keys', queryValue(ctx.request, 'max-keys'), DEFAULT_MAX_KEYS, MAX_KEYS_LIMIT);
  const token = query('continuation-token');
  const after = token !== '' ? decodeToken(token) : query('start-after');
  const page = listPage(ctx.bucket.sortedKeys(), (key) => key, { prefix: query('prefix'), delimiter: query('delimiter'), after, max: maxKeys });
  sendXml(ctx.res, 200, 'ListBucketResult', {
    Name: ctx.bucket.name,
    Prefix: encode(query('prefix')),
    ...(query('start-after') ? { StartAfter: encode(query('start-after')) } : {}),
    ...(token ? { ContinuationToken: token } : {}),
    MaxKeys: maxKeys,
    Delimiter: encode(query('delimiter')),
    ...(query('encoding-type') ? { EncodingType: 'url' } : {}),
    IsTruncated: String(page.isTruncated),
    ...(page.isTruncated && page.last !== undefined ? { NextContinuationToken: encodeToken(page.last) } : {}),
    KeyCount: page.items.length + page.commonPrefixes.length,
    Contents: contentsOf(ctx, page.items, encode, query('fetch-owner') === 'true'),
    CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
}

function contentsOf(ctx: OperationContext, keys: readonly string[], encode: (name: string) => string, withOwner: boolean): XmlElement[] {
  return keys
    .map((key) => ctx.bucket.getObject(key))
    .filter((object): object is ObjectRecord => object !== undefined)
    .map((object) => ({
      Key: encode(object.key),
      LastModified: isoTime(object.lastModified),
      ETag: object.etag,
      Type: object.type,
      Size: object.size,
      StorageClass: 'Standard',
      ...(withOwner ? { Owner: { ID: OWNER_ID, DisplayName: OWNER_ID } } : {}),
    }));
}

function encodeToken(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new OssError('InvalidArgument', 'The continuation token provided is incorrect.', { ArgumentName: 'continuation-token', ArgumentValue: token });
  }
  return Buffer.from(token, 'base64url').toString('utf8');
}
