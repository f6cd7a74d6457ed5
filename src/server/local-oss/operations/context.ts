import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthContext, Principal } from '../auth/types';
import type { CallbackSettings } from '../callback';
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
  /** Who signed the request, for the authorizations an operation needs beyond its row's (copy source, each deleted key). */
  principal: Principal;
  auth: AuthContext;
  /** Another configured bucket (a copy source), or undefined. */
  bucketNamed: (name: string) => BucketStore | undefined;
  /** Upload callbacks: the signing key, limits, and where the public key is served. */
  callback: CallbackSettings & { publicKeyUrl: string };
}

export type OperationHandler = (ctx: OperationContext) => Promise<void>;

/** Account id shown as object owner; the local server has one account. */
export const OWNER_ID = '1000000000000000';

/** Largest PutObject body and largest part (5 GiB). */
export const MAX_SINGLE_BODY_BYTES = 5 * 1024 ** 3;
