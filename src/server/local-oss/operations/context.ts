import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlobStore } from '../storage/blob-store';
import type { BucketStore } from '../storage/bucket-store';
import type { OssRequest } from '../request';

/** What every operation handler receives; the server has already authenticated and authorized. */
export interface OperationContext {
  req: IncomingMessage;
  res: ServerResponse;
  request: OssRequest;
  bucket: BucketStore;
  /** Validated object key; '' for bucket-level operations. */
  key: string;
  blobs: BlobStore;
  now: () => number;
  /** `http://localhost:PORT`, for `<Location>`. */
  endpoint: string;
}

export type OperationHandler = (ctx: OperationContext) => Promise<void>;

/** Account id shown as object owner; the local server has one account. */
export const OWNER_ID = '1000000000000000';

/** Largest PutObject body and largest part (5 GiB). */
export const MAX_SINGLE_BODY_BYTES = 5 * 1024 ** 3;
