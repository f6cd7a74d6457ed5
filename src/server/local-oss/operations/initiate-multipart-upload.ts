import { sendXml } from '../respond';
import { storedHeadersOf } from './body-checks';
import type { OperationContext } from './context';

/** `POST /{key}?uploads`: the object headers given here are the ones the completed object gets. */
export async function initiateMultipartUpload(ctx: OperationContext): Promise<void> {
  const upload = await ctx.bucket.initiateUpload(ctx.key, storedHeadersOf(ctx.request), ctx.now());
  sendXml(ctx.res, 200, 'InitiateMultipartUploadResult', { Bucket: ctx.bucket.name, Key: ctx.key, UploadId: upload.uploadId });
}
