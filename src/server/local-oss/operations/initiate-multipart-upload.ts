import { OssError } from '../errors';
import { sendXml } from '../respond';
import { forbidsOverwrite, storedHeadersOf } from './body-checks';
import type { OperationContext } from './context';
import { taggingHeaderOf } from './tags';

/**
 * `POST /{key}?uploads`: the object headers and `x-oss-tagging` given here are the ones the
 * completed object gets. With `x-oss-forbid-overwrite: true` OSS refuses at once when the object
 * exists (409 FileAlreadyExists); Complete checks again, since the object may appear meanwhile.
 */
export async function initiateMultipartUpload(ctx: OperationContext): Promise<void> {
  const headers = storedHeadersOf(ctx.request);
  const tags = taggingHeaderOf(ctx.request);
  if (forbidsOverwrite(ctx.request) && ctx.bucket.getObject(ctx.key)) throw new OssError('FileAlreadyExists');
  const upload = await ctx.bucket.initiateUpload(ctx.key, headers, ctx.now(), tags);
  sendXml(ctx.res, 200, 'InitiateMultipartUploadResult', { Bucket: ctx.bucket.name, Key: ctx.key, UploadId: upload.uploadId });
}
