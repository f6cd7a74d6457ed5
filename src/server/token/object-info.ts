import type { ObjectInfoResponse } from '../../shared/token-response';
import type { AssumeRole, StsCredentials } from './assume-role';
import { ossFailureMessage, stsOssClient } from './oss-client';
import type { OssTarget } from './oss-target';
import { createReadCredentials, type ReadCredentials } from './read-credentials';
import { uploadPrefixFor } from './subject';

type FoundObject = Extract<ObjectInfoResponse, { exists: true }>;

/** What HEAD tells about an object, or null when there is none. */
export type HeadObject = (request: { credentials: StsCredentials; key: string }) => Promise<FoundObject | null>;

/** OSS limits keys to 1023 bytes; longer ones cannot name an object. */
const MAX_KEY_BYTES = 1023;
const HEAD_TIMEOUT_MS = 10_000;

/** A key the asking uploader may not ask about (outside its prefix, or no key at all). */
export class ObjectKeyError extends Error {
  override readonly name = 'ObjectKeyError';
  constructor(
    message: string,
    readonly status: 400 | 403,
  ) {
    super(message);
  }
}

/** The HEAD itself failed (the role may lack `oss:GetObject`, or OSS is unreachable). */
export class ObjectHeadError extends Error {
  override readonly name = 'ObjectHeadError';
}

/** What `key` holds, asked by the uploader `subject`; throws ObjectKeyError, ObjectHeadError or StsError. */
export type InspectObject = (subject: string, key: string | undefined) => Promise<ObjectInfoResponse>;

export interface ObjectInspectorOptions {
  assumeRole: AssumeRole;
  roleArn: string;
  oss: OssTarget;
  keyPrefix: string;
  /** Defaults to a HEAD through ali-oss against `oss`. */
  headObject?: HeadObject;
  /**
   * The uploader's read credentials, shared with the upload records' routes (createTokenApp passes
   * its one instance); built from `assumeRole` and `roleArn` when not given.
   */
  readCredentials?: ReadCredentials;
}

/**
 * Answers "what does this key hold?" for one uploader's own keys. The upload credentials cannot
 * read (least privilege), so an upload whose CompleteMultipartUpload answer was lost could not
 * otherwise tell success from an expired upload, and would send every byte again. The HEAD uses the
 * server's read credentials for the uploader's prefix (createReadCredentials: read-only, confined
 * to that prefix, one AssumeRole per uploader while they last), which never leave the server.
 */
export function createObjectInspector({
  assumeRole,
  roleArn,
  oss,
  keyPrefix,
  headObject = aliOssHead(oss),
  readCredentials = createReadCredentials({ assumeRole, roleArn, oss, keyPrefix }),
}: ObjectInspectorOptions): InspectObject {
  return async function inspect(subject, key) {
    const prefix = uploadPrefixFor(keyPrefix, subject);
    if (!key) throw new ObjectKeyError('the key query parameter is required', 400);
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new ObjectKeyError(`keys are at most ${MAX_KEY_BYTES} bytes`, 400);
    if (!key.startsWith(prefix) || key.length === prefix.length) throw new ObjectKeyError('the key is not under your upload prefix', 403);
    // An HTTP stack on the way may resolve `..` in the path and ask about another key (the session
    // policy would still refuse it); the uploader never makes such keys.
    if (key.split('/').some((segment) => segment === '.' || segment === '..')) throw new ObjectKeyError('keys with "." or ".." segments are not looked at', 400);

    const credentials = await readCredentials(subject);
    const head = await headObject({ credentials, key });
    return head ?? { exists: false };
  };
}

/**
 * HEAD through the Node build of ali-oss, which signs it the way the browser's requests are signed.
 * Loaded on first use (about 120 ms), not when the server starts: the route serves a rare case.
 */
function aliOssHead(target: OssTarget): HeadObject {
  return async ({ credentials, key }) => {
    const { default: AliOss } = await import('ali-oss');
    const client = stsOssClient(AliOss, target, credentials, HEAD_TIMEOUT_MS);
    try {
      const { res } = await client.head(key);
      const headers = res.headers as Record<string, string | undefined>;
      const size = Number(headers['content-length']);
      if (!Number.isSafeInteger(size)) throw new ObjectHeadError('HEAD answered without a usable Content-Length');
      return { exists: true, size, crc64: headers['x-oss-hash-crc64ecma'] ?? null, etag: headers.etag ?? null };
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      if (error instanceof ObjectHeadError) throw error;
      throw new ObjectHeadError(ossFailureMessage('HEAD', error), { cause: error });
    }
  };
}
