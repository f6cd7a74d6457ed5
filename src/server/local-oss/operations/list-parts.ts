import { queryValue } from '../request';
import { isoTime, sendXml } from '../respond';
import { quotedEtag } from '../storage/records';
import type { OperationContext } from './context';
import { parseMax } from './listing';

const MAX_PARTS = 1000;

/** `GET /{key}?uploadId=ID`: parts numbered above `part-number-marker`, ascending. */
export async function listParts(ctx: OperationContext): Promise<void> {
  const uploadId = queryValue(ctx.request, 'uploadId') ?? '';
  const upload = ctx.bucket.getUpload(uploadId, ctx.key);
  const maxParts = parseMax('max-parts', queryValue(ctx.request, 'max-parts'), MAX_PARTS, MAX_PARTS);
  const marker = parseMax('part-number-marker', queryValue(ctx.request, 'part-number-marker') || undefined, 0, Number.MAX_SAFE_INTEGER);
  const after = [...upload.parts.values()].filter((part) => part.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = after.slice(0, maxParts);
  const last = page.at(-1);
  sendXml(ctx.res, 200, 'ListPartsResult', {
    Bucket: ctx.bucket.name,
    Key: ctx.key,
    UploadId: uploadId,
    PartNumberMarker: marker,
    NextPartNumberMarker: last?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: String(after.length > page.length),
    Part: page.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: isoTime(part.lastModified),
      ETag: quotedEtag(part.md5),
      HashCrc64ecma: part.crc64,
      Size: part.size,
    })),
  });
}
