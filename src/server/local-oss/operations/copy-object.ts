import { actionForOperation, authorize } from '../auth';
import { OssError } from '../errors';
import { isoTime, sendEmpty, sendXml } from '../respond';
import type { ObjectRecord } from '../storage/records';
import { forbidsOverwrite, storedHeadersOf } from './body-checks';
import type { OperationContext } from './context';
import { assertValidKey } from './keys';
import { taggingHeaderOf } from './tags';

/**
 * `PUT /{key}` with `x-oss-copy-source: /{bucket}/{url-encoded key}`, from any bucket this server
 * has. No byte is copied: the target lists the source's data files (BlobStore counts their users),
 * which is also how OSS treats a copy onto the object itself (only the metadata changes).
 *
 * - `x-oss-metadata-directive`: COPY (default) keeps the source's Content-Type, Cache-Control, …,
 *   `x-oss-meta-*`; REPLACE takes them from this request.
 * - `x-oss-tagging-directive`: Copy (default) keeps the source's tags; Replace takes `x-oss-tagging`.
 * - `x-oss-copy-source-if-match` / `-if-unmodified-since` failing: 412 PreconditionFailed;
 *   `-if-none-match` / `-if-modified-since` failing: 304 without a body (ali-oss takes 304 as success).
 * - The source needs `oss:GetObject` (the target's `oss:PutObject` is checked by the server).
 * - The copy keeps the source's ETag, CRC-64 and object type (unconfirmed for multipart sources).
 */
export async function copyObject(ctx: OperationContext): Promise<void> {
  const { request, bucket, key } = ctx;
  const source = parseCopySource(request.headers['x-oss-copy-source'] ?? '');
  const sourceBucket = ctx.bucketNamed(source.bucket);
  if (!sourceBucket) throw new OssError('NoSuchBucket', undefined, { BucketName: source.bucket });
  authorize(ctx.principal, actionForOperation('GetObject', { bucket: source.bucket, key: source.key }), ctx.auth);
  const metadata = directive(request.headers['x-oss-metadata-directive'], 'x-oss-metadata-directive');
  const tagging = directive(request.headers['x-oss-tagging-directive'], 'x-oss-tagging-directive');
  const replacedHeaders = metadata === 'REPLACE' ? storedHeadersOf(request) : undefined;
  const replacedTags = tagging === 'REPLACE' ? taggingHeaderOf(request) : undefined;
  const forbidOverwrite = forbidsOverwrite(request);
  const now = ctx.now();

  let notModified: ObjectRecord | undefined;
  const copied = await bucket.copyObject(
    sourceBucket,
    source.key,
    (found) => {
      const condition = failedCondition(request.headers, found);
      if (condition === 'not-modified') {
        notModified = found;
        throw NOT_MODIFIED;
      }
      if (condition !== null) throw new OssError('PreconditionFailed', undefined, { Condition: condition });
      const { tags: sourceTags, ...rest } = found;
      const tags = tagging === 'REPLACE' ? replacedTags : sourceTags;
      return { ...rest, key, lastModified: now, headers: replacedHeaders ?? found.headers, ...(tags ? { tags } : {}) };
    },
    { forbidOverwrite },
  ).catch((error: unknown) => {
    if (error === NOT_MODIFIED) return null;
    throw error;
  });
  if (copied === null) {
    sendEmpty(ctx.res, 304, notModified ? { ETag: notModified.etag } : {});
    return;
  }
  sendXml(ctx.res, 200, 'CopyObjectResult', { ETag: copied.etag, LastModified: isoTime(copied.lastModified) }, { ETag: copied.etag });
}

const NOT_MODIFIED = Symbol('not modified');

/** `/bucket/key` or `bucket/key`, the key URL-encoded; a `?versionId=` is refused (no versioning here). */
function parseCopySource(header: string): { bucket: string; key: string } {
  const questionMark = header.indexOf('?');
  const rawPath = questionMark === -1 ? header : header.slice(0, questionMark);
  if (questionMark !== -1) {
    const query = header.slice(questionMark + 1);
    if (/^versionId=/.test(query)) throw new OssError('NotImplemented', 'The local OSS does not implement CopyObject with versioning (versionId in x-oss-copy-source).');
    throw new OssError('InvalidArgument', 'x-oss-copy-source is not /bucket/key.', { ArgumentName: 'x-oss-copy-source', ArgumentValue: header });
  }
  let path: string;
  try {
    path = decodeURIComponent(rawPath.startsWith('/') ? rawPath.slice(1) : rawPath);
  } catch {
    throw new OssError('InvalidArgument', 'x-oss-copy-source is not valid URL-encoded UTF-8.', { ArgumentName: 'x-oss-copy-source' });
  }
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new OssError('InvalidArgument', 'x-oss-copy-source is not /bucket/key.', { ArgumentName: 'x-oss-copy-source', ArgumentValue: header });
  }
  const key = path.slice(slash + 1);
  assertValidKey(key);
  return { bucket: path.slice(0, slash), key };
}

/** COPY (default) or REPLACE, any case; anything else 400 InvalidArgument. */
function directive(value: string | undefined, name: string): 'COPY' | 'REPLACE' {
  if (value === undefined || value === '') return 'COPY';
  const upper = value.toUpperCase();
  if (upper === 'COPY' || upper === 'REPLACE') return upper;
  throw new OssError('InvalidArgument', `${name} must be COPY or REPLACE.`, { ArgumentName: name, ArgumentValue: value });
}

type Condition = 'x-oss-copy-source-if-match' | 'x-oss-copy-source-if-unmodified-since' | 'not-modified' | null;

function failedCondition(headers: Record<string, string | undefined>, source: ObjectRecord): Condition {
  const modifiedSeconds = Math.floor(source.lastModified / 1000);
  const seconds = (value: string | undefined): number | null => {
    const ms = value === undefined ? NaN : Date.parse(value);
    return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
  };
  const ifMatch = headers['x-oss-copy-source-if-match'];
  if (ifMatch !== undefined && !etagMatches(ifMatch, source.etag)) return 'x-oss-copy-source-if-match';
  const unmodifiedSince = seconds(headers['x-oss-copy-source-if-unmodified-since']);
  if (unmodifiedSince !== null && modifiedSeconds > unmodifiedSince) return 'x-oss-copy-source-if-unmodified-since';
  const ifNoneMatch = headers['x-oss-copy-source-if-none-match'];
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, source.etag)) return 'not-modified';
  const modifiedSince = seconds(headers['x-oss-copy-source-if-modified-since']);
  if (modifiedSince !== null && modifiedSeconds <= modifiedSince) return 'not-modified';
  return null;
}

function etagMatches(list: string, etag: string): boolean {
  const bare = (value: string): string => value.trim().replace(/^"|"$/g, '').toUpperCase();
  return list.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}
