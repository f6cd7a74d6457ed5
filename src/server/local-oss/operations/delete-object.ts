import { sendEmpty } from '../respond';
import type { OperationContext } from './context';

/** `DELETE /{key}`: 204 whether or not the key existed. */
export async function deleteObject(ctx: OperationContext): Promise<void> {
  await ctx.bucket.deleteObject(ctx.key);
  sendEmpty(ctx.res, 204);
}
