import { V1_SUB_RESOURCES } from '../auth/v1';
import { OssError } from '../errors';
import type { OssRequest } from '../request';

/**
 * Every OSS API operation this server can recognise, one row each: how a request selects it
 * (method, whether the URL names a bucket and a key, sub-resource parameters, a header), the RAM
 * action it needs, and what this server refuses about it. The operation is the most specific row
 * whose selectors the request carries, so `PUT /key?tagging` is PutObjectTagging, never PutObject.
 *
 * Whether an operation is implemented is decided by its handler (operations/index.ts): a row
 * without one is answered 501 NotImplemented after authentication and authorization, before any
 * byte is read or stored. To implement an operation, give it a handler there; to support a refused
 * feature of an implemented one, drop that entry from its `refuses`.
 */

export type RouteMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
/** `service`: no bucket in the URL; `bucket`: a bucket and no key; `object`: a bucket and a key. */
export type RouteLevel = 'service' | 'bucket' | 'object';

/** Something a request may ask of an implemented operation that this server does not do. */
export interface Refusal {
  /** What is refused and how, for the documentation table. */
  readonly what: string;
  /** The error for `request`, or null when the request does not ask for it. */
  check(request: OssRequest, operation: string): OssError | null;
}

export interface Route {
  /** The OSS API name. Rows may share one when an operation has several request shapes. */
  readonly name: string;
  readonly method: RouteMethod;
  readonly level: RouteLevel;
  /** Sub-resource parameters that select this operation: `name` (any value) or `name=value`. */
  readonly query: readonly string[];
  /** A request header whose presence selects this operation. */
  readonly header?: string;
  /** RAM action checked against the URL's bucket (or bucket/key) before the operation runs. */
  readonly action: string;
  /** Listings expose `oss:Prefix` and `oss:Delimiter` to policy conditions. */
  readonly listing?: boolean;
  /** Sub-resource parameters the implementation honours besides its selectors. */
  readonly accepts?: readonly string[];
  /** Refused features of an implemented operation. */
  readonly refuses?: readonly Refusal[];
  /**
   * Set when the request cannot even be authenticated or authorized without implementing the
   * operation (the credentials or the keys are in the body): refused before authentication.
   */
  readonly refusedBeforeAuthentication?: string;
  /**
   * Set when the RAM action is checked on each object the body names, by the handler, instead of
   * once on the URL (DeleteMultipleObjects: `oss:DeleteObject` on every key).
   */
  readonly authorizedPerKey?: string;
}

type RouteOptions = Omit<Route, 'name' | 'method' | 'level' | 'query' | 'action'>;

function route<const N extends string>(method: RouteMethod, level: RouteLevel, query: readonly string[], name: N, action: string, options: RouteOptions = {}) {
  return { name, method, level, query, action, ...options } satisfies Route;
}
const service = <const N extends string>(method: RouteMethod, query: readonly string[], name: N, action: string, options?: RouteOptions) =>
  route(method, 'service', query, name, action, options);
const bucket = <const N extends string>(method: RouteMethod, query: readonly string[], name: N, action: string, options?: RouteOptions) =>
  route(method, 'bucket', query, name, action, options);
const object = <const N extends string>(method: RouteMethod, query: readonly string[], name: N, action: string, options?: RouteOptions) =>
  route(method, 'object', query, name, action, options);

/** 501 NotImplemented naming what the local OSS does not do. */
export function notImplemented(what: string): OssError {
  return new OssError('NotImplemented', `The local OSS does not implement ${what}.`);
}

function headerRefusal(what: string, names: readonly string[], refused: (value: string) => boolean = () => true): Refusal {
  return {
    what,
    check(request, operation) {
      for (const name of names) {
        const value = request.headers[name];
        if (value !== undefined && refused(value)) return notImplemented(`${operation} with ${name}: ${value}`);
      }
      return null;
    },
  };
}

const STORAGE_CLASS = headerRefusal('`x-oss-storage-class` other than `Standard` (IA, Archive, ColdArchive, …)', ['x-oss-storage-class'], (value) => value !== 'Standard');
const SERVER_SIDE_ENCRYPTION = headerRefusal('server-side encryption (`x-oss-server-side-encryption`, `-key-id`, `x-oss-server-side-data-encryption`)', [
  'x-oss-server-side-encryption',
  'x-oss-server-side-encryption-key-id',
  'x-oss-server-side-data-encryption',
]);
const OBJECT_ACL = headerRefusal('`x-oss-object-acl` other than `default`', ['x-oss-object-acl'], (value) => value !== 'default');
const SYMLINK_TARGET = headerRefusal('`x-oss-symlink-target` (PutSymlink is `PUT ?symlink`)', ['x-oss-symlink-target']);
const RANGE_BEHAVIOR = headerRefusal('`x-oss-range-behavior` other than `standard`', ['x-oss-range-behavior'], (value) => value.toLowerCase() !== 'standard');
/** Callbacks in headers are implemented (callback.ts); in a presigned URL's parameters they are not. */
const CALLBACK_PARAMETER: Refusal = {
  what: 'upload callbacks given as the `callback` / `callback-var` parameters of a presigned URL (the `x-oss-callback` headers are implemented)',
  check(request, operation) {
    const parameter = ['callback', 'callback-var'].find((name) => request.query.some(([candidate]) => candidate === name));
    if (parameter !== undefined) return notImplemented(`${operation} with an upload callback (the ${parameter} parameter)`);
    return null;
  },
};
/** Not a refusal but OSS's own validation (EC 0017-00000279), checked wherever the header counts. */
const FORBID_OVERWRITE_VALUE: Refusal = {
  what: '`x-oss-forbid-overwrite` other than `true` / `false` (400 InvalidArgument, as on OSS)',
  check(request) {
    const value = request.headers['x-oss-forbid-overwrite'];
    if (value === undefined || /^(true|false)$/i.test(value)) return null;
    return new OssError('InvalidArgument', 'x-oss-forbid-overwrite must be true or false.', { ArgumentName: 'x-oss-forbid-overwrite', ArgumentValue: value });
  },
};

const RESPONSE_OVERRIDES = [
  'response-content-type', 'response-content-language', 'response-expires',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding',
];

/** First match wins among rows equally specific, so rows with sub-resources come before header-selected ones. */
export const ROUTES = [
  // Service: no bucket in the URL.
  service('GET', [], 'ListBuckets', 'oss:ListBuckets'),
  service('GET', ['regions'], 'DescribeRegions', 'oss:DescribeRegions'),

  // Bucket: basics and listings.
  bucket('PUT', [], 'PutBucket', 'oss:PutBucket'),
  bucket('DELETE', [], 'DeleteBucket', 'oss:DeleteBucket'),
  bucket('GET', [], 'ListObjects', 'oss:ListObjects', { listing: true }),
  bucket('GET', ['list-type=2'], 'ListObjectsV2', 'oss:ListObjects', { listing: true, accepts: ['continuation-token'] }),
  bucket('GET', ['uploads'], 'ListMultipartUploads', 'oss:ListMultipartUploads', { listing: true }),
  bucket('GET', ['versions'], 'ListObjectVersions', 'oss:ListObjectVersions'),
  bucket('GET', ['bucketInfo'], 'GetBucketInfo', 'oss:GetBucketInfo'),
  bucket('GET', ['location'], 'GetBucketLocation', 'oss:GetBucketLocation'),
  bucket('GET', ['stat'], 'GetBucketStat', 'oss:GetBucketStat'),
  bucket('POST', [], 'PostObject', 'oss:PutObject', {
    refusedBeforeAuthentication: 'PostObject (form upload): its signature and key are in the form body',
  }),
  bucket('POST', ['delete'], 'DeleteMultipleObjects', 'oss:DeleteObject', {
    accepts: ['encoding-type'],
    authorizedPerKey: '`oss:DeleteObject` on each key of the body; one denied key refuses the request (403 AccessDenied), nothing deleted',
  }),
  // Bucket configuration.
  bucket('PUT', ['acl'], 'PutBucketAcl', 'oss:PutBucketAcl'),
  bucket('GET', ['acl'], 'GetBucketAcl', 'oss:GetBucketAcl'),
  bucket('PUT', ['cors'], 'PutBucketCors', 'oss:PutBucketCors'),
  bucket('GET', ['cors'], 'GetBucketCors', 'oss:GetBucketCors'),
  bucket('DELETE', ['cors'], 'DeleteBucketCors', 'oss:DeleteBucketCors'),
  bucket('PUT', ['lifecycle'], 'PutBucketLifecycle', 'oss:PutBucketLifecycle'),
  bucket('GET', ['lifecycle'], 'GetBucketLifecycle', 'oss:GetBucketLifecycle'),
  bucket('DELETE', ['lifecycle'], 'DeleteBucketLifecycle', 'oss:DeleteBucketLifecycle'),
  bucket('PUT', ['logging'], 'PutBucketLogging', 'oss:PutBucketLogging'),
  bucket('GET', ['logging'], 'GetBucketLogging', 'oss:GetBucketLogging'),
  bucket('DELETE', ['logging'], 'DeleteBucketLogging', 'oss:DeleteBucketLogging'),
  bucket('PUT', ['website'], 'PutBucketWebsite', 'oss:PutBucketWebsite'),
  bucket('GET', ['website'], 'GetBucketWebsite', 'oss:GetBucketWebsite'),
  bucket('DELETE', ['website'], 'DeleteBucketWebsite', 'oss:DeleteBucketWebsite'),
  bucket('PUT', ['referer'], 'PutBucketReferer', 'oss:PutBucketReferer'),
  bucket('GET', ['referer'], 'GetBucketReferer', 'oss:GetBucketReferer'),
  bucket('PUT', ['tagging'], 'PutBucketTags', 'oss:PutBucketTagging'),
  bucket('GET', ['tagging'], 'GetBucketTags', 'oss:GetBucketTagging'),
  bucket('DELETE', ['tagging'], 'DeleteBucketTags', 'oss:DeleteBucketTagging'),
  bucket('PUT', ['encryption'], 'PutBucketEncryption', 'oss:PutBucketEncryption'),
  bucket('GET', ['encryption'], 'GetBucketEncryption', 'oss:GetBucketEncryption'),
  bucket('DELETE', ['encryption'], 'DeleteBucketEncryption', 'oss:DeleteBucketEncryption'),
  bucket('PUT', ['versioning'], 'PutBucketVersioning', 'oss:PutBucketVersioning'),
  bucket('GET', ['versioning'], 'GetBucketVersioning', 'oss:GetBucketVersioning'),
  bucket('PUT', ['policy'], 'PutBucketPolicy', 'oss:PutBucketPolicy'),
  bucket('GET', ['policy'], 'GetBucketPolicy', 'oss:GetBucketPolicy'),
  bucket('DELETE', ['policy'], 'DeleteBucketPolicy', 'oss:DeleteBucketPolicy'),
  bucket('GET', ['policyStatus'], 'GetBucketPolicyStatus', 'oss:GetBucketPolicyStatus'),
  bucket('PUT', ['inventory', 'inventoryId'], 'PutBucketInventory', 'oss:PutBucketInventory'),
  bucket('GET', ['inventory', 'inventoryId'], 'GetBucketInventory', 'oss:GetBucketInventory'),
  bucket('DELETE', ['inventory', 'inventoryId'], 'DeleteBucketInventory', 'oss:DeleteBucketInventory'),
  bucket('GET', ['inventory'], 'ListBucketInventory', 'oss:ListBucketInventory'),
  bucket('POST', ['worm'], 'InitiateBucketWorm', 'oss:InitiateBucketWorm'),
  bucket('DELETE', ['worm'], 'AbortBucketWorm', 'oss:AbortBucketWorm'),
  bucket('POST', ['wormId'], 'CompleteBucketWorm', 'oss:CompleteBucketWorm'),
  bucket('POST', ['wormExtend', 'wormId'], 'ExtendBucketWorm', 'oss:ExtendBucketWorm'),
  bucket('GET', ['worm'], 'GetBucketWorm', 'oss:GetBucketWorm'),
  bucket('PUT', ['requestPayment'], 'PutBucketRequestPayment', 'oss:PutBucketRequestPayment'),
  bucket('GET', ['requestPayment'], 'GetBucketRequestPayment', 'oss:GetBucketRequestPayment'),
  bucket('PUT', ['transferAcceleration'], 'PutBucketTransferAcceleration', 'oss:PutBucketTransferAcceleration'),
  bucket('GET', ['transferAcceleration'], 'GetBucketTransferAcceleration', 'oss:GetBucketTransferAcceleration'),
  bucket('POST', ['replication', 'comp=add'], 'PutBucketReplication', 'oss:PutBucketReplication'),
  bucket('POST', ['replication', 'comp=delete'], 'DeleteBucketReplication', 'oss:DeleteBucketReplication'),
  bucket('GET', ['replication'], 'GetBucketReplication', 'oss:GetBucketReplication'),
  bucket('GET', ['replicationLocation'], 'GetBucketReplicationLocation', 'oss:GetBucketReplicationLocation'),
  bucket('GET', ['replicationProgress'], 'GetBucketReplicationProgress', 'oss:GetBucketReplicationProgress'),
  bucket('PUT', ['qosInfo'], 'PutBucketQoSInfo', 'oss:PutBucketQoSInfo'),
  bucket('GET', ['qosInfo'], 'GetBucketQoSInfo', 'oss:GetBucketQoSInfo'),
  bucket('DELETE', ['qosInfo'], 'DeleteBucketQoSInfo', 'oss:DeleteBucketQoSInfo'),
  bucket('PUT', ['resourceGroup'], 'PutBucketResourceGroup', 'oss:PutBucketResourceGroup'),
  bucket('GET', ['resourceGroup'], 'GetBucketResourceGroup', 'oss:GetBucketResourceGroup'),
  bucket('PUT', ['httpsConfig'], 'PutBucketHttpsConfig', 'oss:PutBucketHttpsConfig'),
  bucket('GET', ['httpsConfig'], 'GetBucketHttpsConfig', 'oss:GetBucketHttpsConfig'),
  bucket('PUT', ['accessmonitor'], 'PutBucketAccessMonitor', 'oss:PutBucketAccessMonitor'),
  bucket('GET', ['accessmonitor'], 'GetBucketAccessMonitor', 'oss:GetBucketAccessMonitor'),
  bucket('PUT', ['publicAccessBlock'], 'PutBucketPublicAccessBlock', 'oss:PutBucketPublicAccessBlock'),
  bucket('GET', ['publicAccessBlock'], 'GetBucketPublicAccessBlock', 'oss:GetBucketPublicAccessBlock'),
  bucket('DELETE', ['publicAccessBlock'], 'DeleteBucketPublicAccessBlock', 'oss:DeleteBucketPublicAccessBlock'),
  bucket('POST', ['metaQuery', 'comp=add'], 'OpenMetaQuery', 'oss:OpenMetaQuery'),
  bucket('POST', ['metaQuery', 'comp=query'], 'DoMetaQuery', 'oss:DoMetaQuery'),
  bucket('POST', ['metaQuery', 'comp=delete'], 'CloseMetaQuery', 'oss:CloseMetaQuery'),
  bucket('GET', ['metaQuery'], 'GetMetaQueryStatus', 'oss:GetMetaQueryStatus'),
  bucket('POST', ['cname', 'comp=add'], 'PutCname', 'oss:PutCname'),
  bucket('POST', ['cname', 'comp=delete'], 'DeleteCname', 'oss:DeleteCname'),
  bucket('POST', ['cname', 'comp=token'], 'CreateCnameToken', 'oss:CreateCnameToken'),
  bucket('GET', ['cname', 'comp=token'], 'GetCnameToken', 'oss:GetCnameToken'),
  bucket('GET', ['cname'], 'ListCname', 'oss:ListCname'),
  bucket('PUT', ['style', 'styleName'], 'PutStyle', 'oss:PutStyle'),
  bucket('GET', ['style', 'styleName'], 'GetStyle', 'oss:GetStyle'),
  bucket('DELETE', ['style', 'styleName'], 'DeleteStyle', 'oss:DeleteStyle'),
  bucket('GET', ['style'], 'ListStyle', 'oss:ListStyle'),
  bucket('GET', ['live'], 'ListLiveChannel', 'oss:ListLiveChannel'),
  bucket('POST', ['asyncFetch'], 'PostAsyncFetch', 'oss:PostAsyncFetch'),
  bucket('GET', ['asyncFetch'], 'GetAsyncFetch', 'oss:GetAsyncFetch'),

  // Object: reads, writes, multipart upload.
  object('GET', [], 'GetObject', 'oss:GetObject', { accepts: RESPONSE_OVERRIDES, refuses: [RANGE_BEHAVIOR] }),
  object('HEAD', [], 'HeadObject', 'oss:GetObject', { accepts: RESPONSE_OVERRIDES }),
  object('HEAD', ['objectMeta'], 'GetObjectMeta', 'oss:GetObject'),
  object('PUT', [], 'PutObject', 'oss:PutObject', {
    refuses: [FORBID_OVERWRITE_VALUE, STORAGE_CLASS, SERVER_SIDE_ENCRYPTION, OBJECT_ACL, CALLBACK_PARAMETER, SYMLINK_TARGET],
  }),
  object('DELETE', [], 'DeleteObject', 'oss:DeleteObject'),
  object('POST', ['uploads'], 'InitiateMultipartUpload', 'oss:PutObject', {
    refuses: [FORBID_OVERWRITE_VALUE, STORAGE_CLASS, SERVER_SIDE_ENCRYPTION, OBJECT_ACL],
  }),
  // uploadId selects; a missing or bad partNumber is the handler's InvalidArgument.
  object('PUT', ['uploadId'], 'UploadPart', 'oss:PutObject', { accepts: ['partNumber'] }),
  object('POST', ['uploadId'], 'CompleteMultipartUpload', 'oss:PutObject', { refuses: [FORBID_OVERWRITE_VALUE, CALLBACK_PARAMETER] }),
  object('GET', ['uploadId'], 'ListParts', 'oss:ListParts'),
  object('DELETE', ['uploadId'], 'AbortMultipartUpload', 'oss:AbortMultipartUpload'),
  object('POST', ['append'], 'AppendObject', 'oss:PutObject'),
  object('POST', ['seal'], 'SealAppendObject', 'oss:PutObject'),
  // Object: ACL, tags, symlinks, archive restore, processing.
  object('PUT', ['acl'], 'PutObjectACL', 'oss:PutObjectAcl'),
  object('GET', ['acl'], 'GetObjectACL', 'oss:GetObjectAcl'),
  object('PUT', ['tagging'], 'PutObjectTagging', 'oss:PutObjectTagging'),
  object('GET', ['tagging'], 'GetObjectTagging', 'oss:GetObjectTagging'),
  object('DELETE', ['tagging'], 'DeleteObjectTagging', 'oss:DeleteObjectTagging'),
  object('PUT', ['symlink'], 'PutSymlink', 'oss:PutObject'),
  object('GET', ['symlink'], 'GetSymlink', 'oss:GetObject'),
  object('POST', ['restore'], 'RestoreObject', 'oss:RestoreObject'),
  object('POST', ['cleanRestoredObject'], 'CleanRestoredObject', 'oss:CleanRestoredObject'),
  object('POST', ['x-oss-process'], 'ProcessObject', 'oss:PostProcessTask'),
  object('POST', ['x-oss-async-process'], 'AsyncProcessObject', 'oss:PostProcessTask'),
  // Object: live channels (the key is the channel name).
  object('PUT', ['live'], 'PutLiveChannel', 'oss:PutLiveChannel'),
  object('PUT', ['live', 'status'], 'PutLiveChannelStatus', 'oss:PutLiveChannelStatus'),
  object('GET', ['live'], 'GetLiveChannelInfo', 'oss:GetLiveChannel'),
  object('GET', ['live', 'comp=stat'], 'GetLiveChannelStat', 'oss:GetLiveChannelStat'),
  object('GET', ['live', 'comp=history'], 'GetLiveChannelHistory', 'oss:GetLiveChannelHistory'),
  object('DELETE', ['live'], 'DeleteLiveChannel', 'oss:DeleteLiveChannel'),
  object('POST', ['vod'], 'PostVodPlaylist', 'oss:PostVodPlaylist'),
  object('GET', ['vod'], 'GetVodPlaylist', 'oss:GetVodPlaylist'),
  // Object: selected by a header. After the sub-resource rows: PUT ?acl with a copy source is still PutObjectACL.
  object('PUT', [], 'CopyObject', 'oss:PutObject', {
    header: 'x-oss-copy-source',
    refuses: [FORBID_OVERWRITE_VALUE, STORAGE_CLASS, SERVER_SIDE_ENCRYPTION, OBJECT_ACL],
  }),
  object('PUT', ['uploadId'], 'UploadPartCopy', 'oss:PutObject', { header: 'x-oss-copy-source' }),
] as const satisfies readonly Route[];

export type OperationName = (typeof ROUTES)[number]['name'];

/**
 * Sub-resource parameters OSS defines: the V1-signed set and every selector above. On an
 * implemented operation one that it neither selects by nor accepts is refused, so that, e.g.,
 * `GET /key?x-oss-process=image/resize,w_100` is not answered with the original bytes.
 */
export const KNOWN_SUB_RESOURCES: ReadonlySet<string> = new Set([
  ...V1_SUB_RESOURCES,
  ...ROUTES.flatMap((row) => row.query.map(parameterName)),
]);

/** Accepted by every operation: STS credentials of V1 presigned URLs; a bandwidth limit, not enforced. */
const ALWAYS_ACCEPTED: ReadonlySet<string> = new Set(['security-token', 'x-oss-traffic-limit']);

/** OSS names of some sub-resources, for the refusal message. */
const FEATURE_OF: Readonly<Record<string, string>> = {
  'x-oss-process': 'image and document processing (x-oss-process)',
  versionId: 'versioning (versionId)',
  sequential: 'sequential multipart upload (sequential)',
};

function parameterName(selector: string): string {
  const equals = selector.indexOf('=');
  return equals === -1 ? selector : selector.slice(0, equals);
}

function levelOf(request: OssRequest): RouteLevel {
  if (request.bucket === null) return 'service';
  return request.key === null ? 'bucket' : 'object';
}

function selects(row: Route, request: OssRequest): boolean {
  if (row.header !== undefined && request.headers[row.header] === undefined) return false;
  return row.query.every((selector) => {
    const equals = selector.indexOf('=');
    if (equals === -1) return request.query.some(([name]) => name === selector);
    const name = selector.slice(0, equals);
    const value = selector.slice(equals + 1);
    return request.query.some(([candidate, candidateValue]) => candidate === name && candidateValue === value);
  });
}

/** The most specific row the request selects; MethodNotAllowed when none does. */
export function routeFor(request: OssRequest): (typeof ROUTES)[number] {
  const level = levelOf(request);
  let best: (typeof ROUTES)[number] | undefined;
  let bestScore = -1;
  for (const row of ROUTES) {
    if (row.level !== level || row.method !== request.method || !selects(row, request)) continue;
    const score = row.query.length + ('header' in row ? 1 : 0);
    if (score > bestScore) {
      best = row;
      bestScore = score;
    }
  }
  if (best === undefined) throw new OssError('MethodNotAllowed');
  return best;
}

/** What this row selects on, e.g. `PUT /key?uploadId + x-oss-copy-source`. */
export function describeRequest(row: Route): string {
  const path = row.level === 'service' ? '/' : row.level === 'bucket' ? '/bucket' : '/bucket/key';
  const query = row.query.length > 0 ? `?${row.query.join('&')}` : '';
  const header = row.header === undefined ? '' : ` + ${row.header}`;
  return `${row.method} ${path}${query}${header}`;
}

/**
 * What an implemented operation refuses about this request: a refused feature, or a sub-resource
 * OSS defines that the operation neither selects by nor accepts. Null when nothing is refused.
 */
export function refusalFor(row: Route, request: OssRequest): OssError | null {
  for (const refusal of row.refuses ?? []) {
    const error = refusal.check(request, row.name);
    if (error) return error;
  }
  const own = new Set([...row.query.map(parameterName), ...(row.accepts ?? [])]);
  for (const [name] of request.query) {
    if (KNOWN_SUB_RESOURCES.has(name) && !own.has(name) && !ALWAYS_ACCEPTED.has(name)) {
      return notImplemented(`${row.name} with ${FEATURE_OF[name] ?? `the ${name} sub-resource`}`);
    }
  }
  return null;
}
