import { queryValue } from '../request';
import { sendEmpty } from '../respond';
import type { OperationContext } from './context';

/** `DELETE /{key}?uploadId=ID`: 204, as ali-oss requires. */
export async function abortMultipartUpload(ctx: OperationContext): Promise<void> {
  await ctx.bucket.abortUpload(queryValue(ctx.request, 'uploadId') ?? '', ctx.key);
  sendEmpty(ctx.res, 204);
}
