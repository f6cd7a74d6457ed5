/**
 * The session policy passed to STS AssumeRole. The effective permission of the returned
 * credentials is the intersection of this policy and the role's own policy, so this is where
 * one uploader is confined to one key prefix.
 */

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface RamPolicy {
  Version: '1';
  Statement: PolicyStatement[];
}

export interface UploadPolicyInput {
  bucket: string;
  /** Key prefix the credentials may write under, e.g. `uploads/3f9a…/`. */
  prefix: string;
  /** Also allow ListMultipartUploads, restricted to `prefix` by an `oss:Prefix` condition. */
  listUploads?: boolean;
}

/** STS rejects larger policies (InvalidParameter.PolicySize). */
export const MAX_POLICY_BYTES = 1024;

/**
 * Object-level actions an uploader needs: `oss:PutObject` covers PutObject, Initiate, UploadPart and
 * Complete. No GetObject and no DeleteObject: an upload token can neither read nor destroy data.
 */
const OBJECT_ACTIONS = ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'];

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
// `*` and `?` are wildcards inside policy strings; allowing them in a prefix would widen the grant.
const POLICY_WILDCARD = /[*?]/;
const CONTROL_CHARACTER = /\p{Cc}/u;

export class PolicyInputError extends Error {
  override readonly name = 'PolicyInputError';
}

export function buildUploadPolicy({ bucket, prefix, listUploads = false }: UploadPolicyInput): RamPolicy {
  assertBucketName(bucket);
  assertUploadPrefix(prefix);

  const statements: PolicyStatement[] = [
    { Effect: 'Allow', Action: [...OBJECT_ACTIONS], Resource: [`acs:oss:*:*:${bucket}/${prefix}*`] },
  ];
  if (listUploads) {
    // ListMultipartUploads is a bucket-level action: without the condition it would reveal every
    // in-progress upload key in the bucket.
    statements.push({
      Effect: 'Allow',
      Action: ['oss:ListMultipartUploads'],
      Resource: [`acs:oss:*:*:${bucket}`],
      Condition: { StringLike: { 'oss:Prefix': [`${prefix}*`] } },
    });
  }

  return withinSizeLimit({ Version: '1', Statement: statements });
}

/**
 * The policy of the credentials the token endpoint itself uses to read one uploader's objects
 * (`GET /api/object`, the upload callback's HEAD, download links): `oss:GetObject` under the
 * uploader's prefix only, and with `listObjects`, ListObjects restricted to that prefix by an
 * `oss:Prefix` condition (the records' reconciliation). These credentials never leave the server.
 */
export function buildObjectInfoPolicy({ bucket, prefix, listObjects = false }: { bucket: string; prefix: string; listObjects?: boolean }): RamPolicy {
  assertBucketName(bucket);
  assertUploadPrefix(prefix);
  const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${bucket}/${prefix}*`] }];
  if (listObjects) {
    // A bucket-level action: without the condition it would list every key in the bucket.
    statements.push({
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: [`acs:oss:*:*:${bucket}`],
      Condition: { StringLike: { 'oss:Prefix': [`${prefix}*`] } },
    });
  }
  return withinSizeLimit({ Version: '1', Statement: statements });
}

function withinSizeLimit(policy: RamPolicy): RamPolicy {
  const size = Buffer.byteLength(JSON.stringify(policy), 'utf8');
  if (size > MAX_POLICY_BYTES) {
    throw new PolicyInputError(`session policy is ${size} bytes, STS accepts at most ${MAX_POLICY_BYTES}; shorten the key prefix`);
  }
  return policy;
}

function assertBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) {
    throw new PolicyInputError(`invalid bucket name ${JSON.stringify(bucket)}`);
  }
}

/** Throws unless `prefix` is a non-empty relative key prefix ending with `/` and free of wildcards. */
export function assertUploadPrefix(prefix: string): void {
  if (prefix === '' || !prefix.endsWith('/')) {
    throw new PolicyInputError(`key prefix must be non-empty and end with "/", got ${JSON.stringify(prefix)}`);
  }
  if (prefix.startsWith('/') || prefix.startsWith('\\')) {
    throw new PolicyInputError(`key prefix must not start with "/" or "\\", got ${JSON.stringify(prefix)}`);
  }
  if (POLICY_WILDCARD.test(prefix)) {
    throw new PolicyInputError(`key prefix must not contain the policy wildcards "*" or "?", got ${JSON.stringify(prefix)}`);
  }
  if (CONTROL_CHARACTER.test(prefix)) {
    throw new PolicyInputError('key prefix must not contain control characters');
  }
}

/**
 * Server-side credentials for one object: `actions` (e.g. `oss:GetObject`, `oss:DeleteObject`) on
 * `key` alone. A key holding a policy wildcard (`*`, `?`) or too long for STS's policy limit cannot
 * be named exactly; those get the same actions on the uploader's `prefix` instead (still nobody
 * else's objects). These credentials never leave the server; presigned URLs made with them name one key.
 */
export function buildObjectPolicy({ bucket, prefix, key, actions }: { bucket: string; prefix: string; key: string; actions: string[] }): RamPolicy {
  assertBucketName(bucket);
  assertUploadPrefix(prefix);
  if (!key.startsWith(prefix) || key.length === prefix.length) throw new PolicyInputError('the key is not under the prefix');
  const scoped = (resource: string): RamPolicy => ({ Version: '1', Statement: [{ Effect: 'Allow', Action: [...actions], Resource: [`acs:oss:*:*:${bucket}/${resource}`] }] });
  if (!POLICY_WILDCARD.test(key) && !CONTROL_CHARACTER.test(key)) {
    const exact = scoped(key);
    if (Buffer.byteLength(JSON.stringify(exact), 'utf8') <= MAX_POLICY_BYTES) return exact;
  }
  return withinSizeLimit(scoped(`${prefix}*`));
}
