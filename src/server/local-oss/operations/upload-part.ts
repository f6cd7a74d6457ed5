import { OssError } from '../errors';
import { queryValue } from '../request';
import { sendEmpty } from '../respond';
import { quotedEtag } from '../storage/records';
import { checkDeclaredLength, contentMd5Of } from './body-checks';
import { MAX_SINGLE_BODY_BYTES, type OperationContext } from './context';

export const MAX_PART_NUMBER = 10_000;

/** `PUT /{key}?partNumber=N&uploadId=ID`: same streaming path as PutObject; a re-sent number replaces the part. */
export async function uploadPart(ctx: OperationContext): Promise<void> {
  const { request, bucket, key } = ctx;
  const partNumber = parsePartNumber(queryValue(request, 'partNumber'));
  const uploadId = queryValue(request, 'uploadId') ?? '';
  bucket.assertUpload(uploadId, key); // NoSuchUpload before any byte is read
  checkDeclaredLength(request, MAX_SINGLE_BODY_BYTES);
  const expectedMd5Base64 = contentMd5Of(request);

  const received = await ctx.blobs.receive(ctx.req, { maxBytes: MAX_SINGLE_BODY_BYTES, ...(expectedMd5Base64 ? { expectedMd5Base64 } : {}) });
  await bucket.commitPart(uploadId, key, {
    partNumber,
    blob: received.blob,
    size: received.size,
    md5: received.md5,
    crc64: received.crc64,
    lastModified: ctx.now(),
  });
  sendEmpty(ctx.res, 200, { ETag: quotedEtag(received.md5), 'x-oss-hash-crc64ecma': received.crc64 });
}

function parsePartNumber(value: string | undefined): number {
  const partNumber = value !== undefined && /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(partNumber >= 1 && partNumber <= MAX_PART_NUMBER)) {
    throw new OssError('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`, {
      ArgumentName: 'partNumber',
      ArgumentValue: value ?? '',
    });
  }
  return partNumber;
}
