import { callbackOf } from '../callback';
import { OssError } from '../errors';
import { sendEmpty } from '../respond';
import { quotedEtag, type ObjectRecord } from '../storage/records';
import { checkDeclaredLength, contentMd5Of, forbidsOverwrite, storedHeadersOf } from './body-checks';
import { MAX_SINGLE_BODY_BYTES, type OperationContext } from './context';
import { taggingHeaderOf } from './tags';
import { answerWithCallback } from './upload-callback';

/** `PUT /{key}`: the body streams to disk; the object replaces any earlier one once it is complete. */
export async function putObject(ctx: OperationContext): Promise<void> {
  const { request, bucket, key } = ctx;
  checkDeclaredLength(request, MAX_SINGLE_BODY_BYTES);
  const expectedMd5Base64 = contentMd5Of(request);
  const forbidOverwrite = forbidsOverwrite(request);
  const headers = storedHeadersOf(request);
  const tags = taggingHeaderOf(request);
  const callback = callbackOf(request);
  // Fail before reading the body when we already know; the commit checks again under the key lock.
  if (forbidOverwrite && bucket.getObject(key)) throw new OssError('FileAlreadyExists');

  const received = await ctx.blobs.receive(ctx.req, { maxBytes: MAX_SINGLE_BODY_BYTES, ...(expectedMd5Base64 ? { expectedMd5Base64 } : {}) });
  const object: ObjectRecord = {
    key,
    size: received.size,
    etag: quotedEtag(received.md5),
    crc64: received.crc64,
    lastModified: ctx.now(),
    type: 'Normal',
    headers,
    segments: [{ blob: received.blob, size: received.size }],
    ...(tags ? { tags } : {}),
  };
  await bucket.putObject(object, { forbidOverwrite });
  const contentMd5 = Buffer.from(received.md5, 'hex').toString('base64');
  const answerHeaders = { ETag: object.etag, 'x-oss-hash-crc64ecma': object.crc64, 'Content-MD5': contentMd5 };
  if (callback) {
    await answerWithCallback(ctx, callback, {
      etag: received.md5,
      size: object.size,
      mimeType: object.headers['content-type'] ?? '',
      crc64: object.crc64,
      contentMd5,
      operation: 'PutObject',
    }, answerHeaders);
    return;
  }
  sendEmpty(ctx.res, 200, answerHeaders);
}
