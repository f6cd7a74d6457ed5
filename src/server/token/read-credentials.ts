import type { AssumeRole, StsCredentials } from './assume-role';
import { createCredentialCache } from './credential-cache';
import type { OssTarget } from './oss-target';
import { buildObjectInfoPolicy } from './policy';
import { roleSessionNameFor, uploadPrefixFor } from './subject';

/** The server's own read credentials for one uploader's prefix (see createReadCredentials). */
export type ReadCredentials = (subject: string) => Promise<StsCredentials>;

export interface ReadCredentialsOptions {
  assumeRole: AssumeRole;
  roleArn: string;
  oss: Pick<OssTarget, 'bucket'>;
  keyPrefix: string;
  now?: () => number;
  /**
   * Credentials with less than this left are not used again. A presigned link made with them stops
   * working when they expire, so this must exceed the longest link the caller signs (default 360 s).
   */
  refreshMarginMs?: number;
  /** Also allow ListObjects under the prefix (the records' reconciliation); default false. */
  listObjects?: boolean;
}

/** AssumeRole's minimum; with the default margin one AssumeRole serves a visitor for about 9 minutes. */
export const READ_CREDENTIAL_SECONDS = 900;
const DEFAULT_REFRESH_MARGIN_MS = 360_000;

/**
 * One set of read credentials per uploader: AssumeRole with a session policy allowing
 * `oss:GetObject` on `<bucket>/<prefix>*` (and, with `listObjects`, ListObjects with an
 * `oss:Prefix` condition), nothing else. Cached per uploader until `refreshMarginMs` before they
 * expire; concurrent requests for the same uploader share one AssumeRole (single flight); failures
 * are not cached. They serve HEADs, listings and presigned download links on the server and never
 * leave it (a presigned URL carries the AccessKeyId and the security token, not the secret).
 * The object inspector (`GET /api/object`) and the upload records' routes share one instance.
 */
export function createReadCredentials({
  assumeRole,
  roleArn,
  oss,
  keyPrefix,
  now = Date.now,
  refreshMarginMs = DEFAULT_REFRESH_MARGIN_MS,
  listObjects = false,
}: ReadCredentialsOptions): ReadCredentials {
  if (refreshMarginMs >= READ_CREDENTIAL_SECONDS * 1000) throw new Error('createReadCredentials: refreshMarginMs must be shorter than the credentials live');
  const cache = createCredentialCache({
    load: (subject) =>
      assumeRole({
        roleArn,
        policy: buildObjectInfoPolicy({ bucket: oss.bucket, prefix: uploadPrefixFor(keyPrefix, subject), listObjects }),
        durationSeconds: READ_CREDENTIAL_SECONDS,
        sessionName: roleSessionNameFor(subject),
      }),
    refreshMarginMs,
    now,
  });
  return (subject) => cache.get(subject);
}
