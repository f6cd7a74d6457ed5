import { createHash } from 'node:crypto';
import { crc64Concat } from '../../../shared/crc64-combine';
import { callbackOf } from '../callback';
import { OssError } from '../errors';
import { queryValue } from '../request';
import { sendXml } from '../respond';
import { parseXml } from '../xml';
import type { CompleteBuilder } from '../storage/bucket-store';
import { quotedEtag, type PartRecord } from '../storage/records';
import { contentMd5Of, forbidsOverwrite, readSmallBody } from './body-checks';
import type { OperationContext } from './context';
import { answerWithCallback } from './upload-callback';

/** Every part but the last must be at least this large (100 KiB, as OSS and ali-oss use). */
export const MIN_PART_BYTES = 100 * 1024;
/** 10,000 `<Part>` elements fit well within this. */
const MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024;

interface RequestedPart {
  partNumber: number;
  etag: string;
}

/**
 * `POST /{key}?uploadId=ID`. No byte is copied: the object's manifest lists the part files, its
 * CRC-64 is folded from the part CRCs, and its ETag is MD5(concatenated binary part MD5s)-N.
 */
export async function completeMultipartUpload(ctx: OperationContext): Promise<void> {
  const { request, bucket, key } = ctx;
  const uploadId = queryValue(request, 'uploadId') ?? '';
  const expectedMd5Base64 = contentMd5Of(request);
  const callback = callbackOf(request);
  const body = await readSmallBody(ctx.req, MAX_COMPLETE_BODY_BYTES, () => new OssError('MalformedXML', 'The CompleteMultipartUpload body is too large.'));
  if (expectedMd5Base64 !== undefined && createHash('md5').update(body).digest('base64') !== expectedMd5Base64) {
    throw new OssError('InvalidDigest');
  }
  const completeAll = request.headers['x-oss-complete-all']?.toLowerCase() === 'yes';
  if (completeAll && body.length > 0) throw new OssError('InvalidRequest', 'The body must be empty when x-oss-complete-all is yes.');
  const requested = completeAll ? null : parseCompleteBody(body.toString('utf8'));

  const object = await bucket.completeUpload(uploadId, key, buildObject(requested, ctx.now()), { forbidOverwrite: forbidsOverwrite(request) });
  if (callback) {
    await answerWithCallback(ctx, callback, {
      etag: object.etag.replace(/^"|"$/g, ''),
      size: object.size,
      mimeType: object.headers['content-type'] ?? '',
      crc64: object.crc64,
      contentMd5: '',
      operation: 'CompleteMultipartUpload',
    }, { ETag: object.etag, 'x-oss-hash-crc64ecma': object.crc64 });
    return;
  }
  sendXml(
    ctx.res,
    200,
    'CompleteMultipartUploadResult',
    { Location: `${ctx.endpoint}/${bucket.name}/${encodeKey(key)}`, Bucket: bucket.name, Key: key, ETag: object.etag },
    { ETag: object.etag, 'x-oss-hash-crc64ecma': object.crc64 },
  );
}

/** `requested` null = every uploaded part, in number order (x-oss-complete-all). */
function buildObject(requested: RequestedPart[] | null, now: number): CompleteBuilder {
  return (upload, parts) => {
    const chosen: PartRecord[] = requested === null ? [...parts.values()].sort((a, b) => a.partNumber - b.partNumber) : matchParts(requested, parts);
    if (chosen.length === 0) throw new OssError('InvalidPart');
    chosen.forEach((part, index) => {
      if (index < chosen.length - 1 && part.size < MIN_PART_BYTES) {
        throw new OssError('EntityTooSmall', undefined, { PartNumber: String(part.partNumber), ProposedSize: String(part.size), MinSizeAllowed: String(MIN_PART_BYTES) });
      }
    });
    const md5OfMd5s = createHash('md5');
    for (const part of chosen) md5OfMd5s.update(Buffer.from(part.md5, 'hex'));
    return {
      object: {
        key: upload.key,
        size: chosen.reduce((sum, part) => sum + part.size, 0),
        etag: quotedEtag(`${md5OfMd5s.digest('hex').toUpperCase()}-${chosen.length}`),
        crc64: crc64Concat(chosen.map((part) => ({ crc64: BigInt(part.crc64), size: part.size }))).toString(),
        lastModified: now,
        type: 'Multipart',
        headers: upload.headers,
        segments: chosen.map((part) => ({ blob: part.blob, size: part.size })),
        ...(upload.tags ? { tags: upload.tags } : {}),
      },
      usedParts: new Set(chosen.map((part) => part.partNumber)),
    };
  };
}

function matchParts(requested: readonly RequestedPart[], parts: ReadonlyMap<number, PartRecord>): PartRecord[] {
  let previousNumber = 0;
  return requested.map(({ partNumber, etag }) => {
    if (partNumber <= previousNumber) throw new OssError('InvalidPartOrder');
    previousNumber = partNumber;
    const part = parts.get(partNumber);
    // ali-oss echoes the ETag header with its quotes; compare without quotes and case.
    if (!part || normalizeEtag(etag) !== part.md5) throw new OssError('InvalidPart', undefined, { PartNumber: String(partNumber), ETag: etag });
    return part;
  });
}

function parseCompleteBody(text: string): RequestedPart[] {
  const document = parseXml(text, ['Part']);
  const root = document.CompleteMultipartUpload;
  const parts = typeof root === 'object' && root !== null ? (root as { Part?: unknown }).Part : undefined;
  if (!Array.isArray(parts) || parts.length === 0) throw new OssError('MalformedXML');
  return parts.map((part: unknown) => {
    const { PartNumber, ETag } = (typeof part === 'object' && part !== null ? part : {}) as { PartNumber?: unknown; ETag?: unknown };
    if (typeof PartNumber !== 'string' || !/^\d{1,5}$/.test(PartNumber.trim()) || typeof ETag !== 'string') throw new OssError('MalformedXML');
    return { partNumber: Number(PartNumber.trim()), etag: ETag };
  });
}

function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '').toUpperCase();
}

function encodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}
