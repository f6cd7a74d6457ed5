import type { AccessRequest } from '../policy/types';

/** OSS API operations this server may authorize, by their OSS API names. */
export type OssOperation =
  | 'ListBuckets'
  | 'PutBucket'
  | 'DeleteBucket'
  | 'GetBucketInfo'
  | 'PutBucketCors'
  | 'GetBucketCors'
  | 'DeleteBucketCors'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'PutObject'
  | 'AppendObject'
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'GetObject'
  | 'HeadObject'
  | 'GetObjectMeta'
  | 'DeleteObject'
  | 'ListParts'
  | 'AbortMultipartUpload';

/** RAM action per operation; object-level unless listed in BUCKET_LEVEL or SERVICE_LEVEL. */
const ACTIONS: Record<OssOperation, string> = {
  ListBuckets: 'oss:ListBuckets',
  PutBucket: 'oss:PutBucket',
  DeleteBucket: 'oss:DeleteBucket',
  GetBucketInfo: 'oss:GetBucketInfo',
  PutBucketCors: 'oss:PutBucketCors',
  GetBucketCors: 'oss:GetBucketCors',
  DeleteBucketCors: 'oss:DeleteBucketCors',
  ListObjects: 'oss:ListObjects',
  ListObjectsV2: 'oss:ListObjects',
  ListMultipartUploads: 'oss:ListMultipartUploads',
  PutObject: 'oss:PutObject',
  AppendObject: 'oss:PutObject',
  InitiateMultipartUpload: 'oss:PutObject',
  UploadPart: 'oss:PutObject',
  CompleteMultipartUpload: 'oss:PutObject',
  GetObject: 'oss:GetObject',
  HeadObject: 'oss:GetObject',
  GetObjectMeta: 'oss:GetObject',
  DeleteObject: 'oss:DeleteObject',
  ListParts: 'oss:ListParts',
  AbortMultipartUpload: 'oss:AbortMultipartUpload',
};

const SERVICE_LEVEL = new Set<OssOperation>(['ListBuckets']);
const BUCKET_LEVEL = new Set<OssOperation>([
  'PutBucket', 'DeleteBucket', 'GetBucketInfo', 'PutBucketCors', 'GetBucketCors', 'DeleteBucketCors',
  'ListObjects', 'ListObjectsV2', 'ListMultipartUploads',
]);
/** Listings expose `oss:Prefix` / `oss:Delimiter` to policy conditions (absent = ''). */
const LISTINGS = new Set<OssOperation>(['ListObjects', 'ListObjectsV2', 'ListMultipartUploads']);

export interface OperationTarget {
  bucket: string;
  /** Decoded object key; required for object-level operations. */
  key?: string | null;
  /** Decoded query pairs of the request; read for `prefix` and `delimiter` of listings. */
  query?: ReadonlyArray<readonly [string, string]>;
}

/**
 * The RAM view of one operation, ready for `authorize`:
 * object-level → `acs:oss:*:*:{bucket}/{key}`, bucket-level → `acs:oss:*:*:{bucket}`, ListBuckets →
 * `acs:oss:*:*:*`. Region and account are `*` because this server has neither.
 * Multi-object deletes and copies are several authorizations (one per key / source and target).
 *
 * @example authorize(principal, actionForOperation('UploadPart', { bucket, key }), ctx)
 */
export function actionForOperation(operation: OssOperation, target: OperationTarget): AccessRequest {
  const action = ACTIONS[operation];
  if (SERVICE_LEVEL.has(operation)) return { action, resource: 'acs:oss:*:*:*' };
  if (BUCKET_LEVEL.has(operation)) {
    const request: AccessRequest = { action, resource: `acs:oss:*:*:${target.bucket}` };
    if (LISTINGS.has(operation)) {
      const value = (name: string): string => target.query?.find(([n]) => n === name)?.[1] ?? '';
      request.conditions = { 'oss:Prefix': value('prefix'), 'oss:Delimiter': value('delimiter') };
    }
    return request;
  }
  if (target.key === undefined || target.key === null) {
    throw new TypeError(`${operation} is an object-level operation and needs a key`);
  }
  return { action, resource: `acs:oss:*:*:${target.bucket}/${target.key}` };
}
