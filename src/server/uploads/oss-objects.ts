import type OSS from 'ali-oss';
import type { AssumeRole, StsCredentials } from '../token/assume-role';
import { createCredentialCache } from '../token/credential-cache';
import { ossFailureMessage, stsOssClient } from '../token/oss-client';
import type { OssTarget } from '../token/oss-target';
import { buildObjectPolicy } from '../token/policy';
import { roleSessionNameFor, uploadPrefixFor } from '../token/subject';

/** What a HEAD tells about a stored object. */
export interface StoredObject {
  size: number;
  /** Without quotes, upper case. */
  etag: string;
  crc64: string | null;
  mimeType: string | null;
}

/** The OSS requests the upload routes make, each with credentials for one key. */
export interface ObjectRequests {
  head(key: string, credentials: StsCredentials): Promise<StoredObject | null>;
  /** Succeeds when the object is gone (also when it was not there). */
  remove(key: string, credentials: StsCredentials): Promise<void>;
  /** A presigned GET URL valid for `expiresSeconds`. */
  signGetUrl(key: string, credentials: StsCredentials, options: { expiresSeconds: number; contentDisposition: string }): Promise<string>;
}

/** OSS refused or could not be reached; the message is ours (no key, no secret). */
export class ObjectRequestError extends Error {
  override readonly name = 'ObjectRequestError';
}

export interface UploadObjects {
  head(subject: string, key: string): Promise<StoredObject | null>;
  remove(subject: string, key: string): Promise<void>;
  downloadUrl(subject: string, key: string, fileName: string): Promise<{ url: string; expiration: Date }>;
}

export interface UploadObjectsOptions {
  assumeRole: AssumeRole;
  roleArn: string;
  oss: OssTarget;
  keyPrefix: string;
  now?: () => number;
  /** Defaults to ali-oss (Node build) against `oss`. */
  requests?: ObjectRequests;
  /** How long a download link works (default 300 s). */
  downloadUrlSeconds?: number;
}

/** AssumeRole's minimum duration. */
const CREDENTIAL_SECONDS = 900;
const DEFAULT_DOWNLOAD_SECONDS = 300;

/**
 * HEAD, DELETE and presigned GET for one uploader's objects. Each key gets credentials of its own
 * from AssumeRole, allowed that one action on that one key (see buildObjectPolicy), cached per key
 * while they outlive a download link; they never leave the server.
 */
export function createUploadObjects({
  assumeRole,
  roleArn,
  oss,
  keyPrefix,
  now = Date.now,
  requests = aliOssRequests(oss),
  downloadUrlSeconds = DEFAULT_DOWNLOAD_SECONDS,
}: UploadObjectsOptions): UploadObjects {
  const cacheKeyParts = new Map<string, { subject: string; key: string; action: string }>();
  const cache = createCredentialCache({
    load: (cacheKey) => {
      const { subject, key, action } = cacheKeyParts.get(cacheKey)!;
      return assumeRole({
        roleArn,
        policy: buildObjectPolicy({ bucket: oss.bucket, prefix: uploadPrefixFor(keyPrefix, subject), key, actions: [action] }),
        durationSeconds: CREDENTIAL_SECONDS,
        sessionName: roleSessionNameFor(subject),
      });
    },
    // A link made from cached credentials must not outlive them.
    refreshMarginMs: (downloadUrlSeconds + 60) * 1000,
    now,
    sweepAbove: 2_000,
  });
  const credentialsFor = (subject: string, key: string, action: string): Promise<StsCredentials> => {
    const cacheKey = JSON.stringify([subject, key, action]);
    if (cacheKeyParts.size > 4_000) cacheKeyParts.clear();
    cacheKeyParts.set(cacheKey, { subject, key, action });
    return cache.get(cacheKey);
  };

  return {
    async head(subject, key) {
      return requests.head(key, await credentialsFor(subject, key, 'oss:GetObject'));
    },
    async remove(subject, key) {
      await requests.remove(key, await credentialsFor(subject, key, 'oss:DeleteObject'));
    },
    async downloadUrl(subject, key, fileName) {
      const credentials = await credentialsFor(subject, key, 'oss:GetObject');
      const url = await requests.signGetUrl(key, credentials, { expiresSeconds: downloadUrlSeconds, contentDisposition: attachmentDisposition(fileName) });
      return { url, expiration: new Date(now() + downloadUrlSeconds * 1000) };
    },
  };
}

/**
 * `attachment` with the original name (RFC 6266): an ASCII `filename` for old clients and the exact
 * name as RFC 5987 UTF-8 `filename*`.
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%;]/g, '_') || 'download';
  const exact = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** `"abc-3"` → `ABC-3`. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '').toUpperCase();
}

const REQUEST_TIMEOUT_MS = 10_000;

/** The Node build of ali-oss, one client per call (its credentials serve one key). */
export function aliOssRequests(target: OssTarget): ObjectRequests {
  let Client: typeof OSS | undefined;
  const load = async (): Promise<typeof OSS> => (Client ??= (await import('ali-oss')).default);
  const client = (AliOss: typeof OSS, credentials: StsCredentials): OSS => stsOssClient(AliOss, target, credentials, REQUEST_TIMEOUT_MS);
  const failure = (what: string, error: unknown): ObjectRequestError => new ObjectRequestError(ossFailureMessage(what, error), { cause: error });

  return {
    async head(key, credentials) {
      try {
        const { res } = await client(await load(), credentials).head(key);
        const headers = res.headers as Record<string, string | undefined>;
        const size = Number(headers['content-length']);
        if (!Number.isSafeInteger(size) || !headers.etag) throw new ObjectRequestError('HEAD answered without Content-Length or ETag');
        return { size, etag: normalizeEtag(headers.etag), crc64: headers['x-oss-hash-crc64ecma'] ?? null, mimeType: headers['content-type'] ?? null };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        if (error instanceof ObjectRequestError) throw error;
        throw failure('HEAD', error);
      }
    },
    async remove(key, credentials) {
      try {
        await client(await load(), credentials).delete(key);
      } catch (error) {
        if ((error as { status?: number }).status === 404) return;
        throw failure('DeleteObject', error);
      }
    },
    async signGetUrl(key, credentials, { expiresSeconds, contentDisposition }) {
      return client(await load(), credentials).signatureUrl(key, { expires: expiresSeconds, response: { 'content-disposition': contentDisposition } });
    },
  };
}
