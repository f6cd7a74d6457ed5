import type OSS from 'ali-oss';
import type { AssumeRole, StsCredentials } from '../token/assume-role';
import { ossFailureMessage, stsOssClient } from '../token/oss-client';
import type { OssTarget } from '../token/oss-target';
import { buildObjectPolicy } from '../token/policy';
import { createReadCredentials, type ReadCredentials } from '../token/read-credentials';
import { roleSessionNameFor, uploadPrefixFor } from '../token/subject';

/** What a HEAD tells about a stored object. */
export interface StoredObject {
  size: number;
  /** Without quotes, upper case. */
  etag: string;
  crc64: string | null;
  mimeType: string | null;
  /** The Content-Disposition stored with the object (the engine's `contentDisposition` option), if any. */
  contentDisposition?: string | null;
}

/** One key of a listing. */
export interface ListedObject {
  key: string;
  size: number;
  /** Without quotes, upper case. */
  etag: string;
  /** ISO 8601, as OSS reports it. */
  lastModified: string;
}

/** One page of a listing in key order; `nextMarker` continues it, null after the last page. */
export interface ObjectListing {
  objects: ListedObject[];
  nextMarker: string | null;
}

/** The OSS requests the upload routes make, each with server-side temporary credentials. */
export interface ObjectRequests {
  head(key: string, credentials: StsCredentials): Promise<StoredObject | null>;
  /** Succeeds when the object is gone (also when it was not there). */
  remove(key: string, credentials: StsCredentials): Promise<void>;
  /** A presigned GET URL valid for `expiresSeconds`. */
  signGetUrl(key: string, credentials: StsCredentials, options: { expiresSeconds: number; contentDisposition: string }): Promise<string>;
  /** ListObjects under `prefix`, keys after `marker` ('' from the start), at most `maxKeys`. */
  list(prefix: string, credentials: StsCredentials, options: { marker: string; maxKeys: number }): Promise<ObjectListing>;
}

/** OSS refused or could not be reached; the message is ours (no key, no secret). */
export class ObjectRequestError extends Error {
  override readonly name = 'ObjectRequestError';
}

export interface UploadObjects {
  head(subject: string, key: string): Promise<StoredObject | null>;
  remove(subject: string, key: string): Promise<void>;
  downloadUrl(subject: string, key: string, fileName: string): Promise<{ url: string; expiration: Date }>;
  /** One page of the visitor's own prefix (see ObjectRequests.list). */
  list(subject: string, options: { marker: string; maxKeys: number }): Promise<ObjectListing>;
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
  /**
   * The visitor's read credentials (createTokenApp shares one instance with `GET /api/object`); built
   * here when not given. They must outlive every link signed with them by `downloadUrlSeconds`.
   */
  readCredentials?: ReadCredentials;
}

/** AssumeRole's minimum duration. */
const DELETE_CREDENTIAL_SECONDS = 900;
const DEFAULT_DOWNLOAD_SECONDS = 300;

/**
 * HEAD, listing and presigned GET for one uploader's objects use the server's read credentials for
 * that uploader's prefix (createReadCredentials: `oss:GetObject` on the prefix and ListObjects with
 * an `oss:Prefix` condition; one AssumeRole per visitor while they last, shared by concurrent
 * requests). A delete gets credentials of its own, allowed `oss:DeleteObject` on that one key
 * (see buildObjectPolicy). None of them leave the server.
 */
export function createUploadObjects({
  assumeRole,
  roleArn,
  oss,
  keyPrefix,
  now = Date.now,
  requests = aliOssRequests(oss),
  downloadUrlSeconds = DEFAULT_DOWNLOAD_SECONDS,
  readCredentials = createReadCredentials({ assumeRole, roleArn, oss, keyPrefix, now, listObjects: true, refreshMarginMs: (downloadUrlSeconds + 60) * 1000 }),
}: UploadObjectsOptions): UploadObjects {
  return {
    async head(subject, key) {
      return requests.head(key, await readCredentials(subject));
    },
    async remove(subject, key) {
      const credentials = await assumeRole({
        roleArn,
        policy: buildObjectPolicy({ bucket: oss.bucket, prefix: uploadPrefixFor(keyPrefix, subject), key, actions: ['oss:DeleteObject'] }),
        durationSeconds: DELETE_CREDENTIAL_SECONDS,
        sessionName: roleSessionNameFor(subject),
      });
      await requests.remove(key, credentials);
    },
    async downloadUrl(subject, key, fileName) {
      const credentials = await readCredentials(subject);
      const url = await requests.signGetUrl(key, credentials, { expiresSeconds: downloadUrlSeconds, contentDisposition: attachmentDisposition(fileName) });
      return { url, expiration: new Date(now() + downloadUrlSeconds * 1000) };
    },
    async list(subject, options) {
      return requests.list(uploadPrefixFor(keyPrefix, subject), await readCredentials(subject), options);
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

/** The Node build of ali-oss, one client per call. */
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
        return {
          size,
          etag: normalizeEtag(headers.etag),
          crc64: headers['x-oss-hash-crc64ecma'] ?? null,
          mimeType: headers['content-type'] ?? null,
          contentDisposition: headers['content-disposition'] ?? null,
        };
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
    async list(prefix, credentials, { marker, maxKeys }) {
      try {
        const result = await client(await load(), credentials).list({ prefix, 'max-keys': maxKeys, ...(marker ? { marker } : {}) }, {});
        const objects = (result.objects ?? []).map((object) => ({
          key: object.name,
          size: Number(object.size),
          etag: normalizeEtag(object.etag),
          lastModified: object.lastModified,
        }));
        // A truncated page without NextMarker (a delimiter-free listing may omit it) continues after its last key.
        const nextMarker = result.isTruncated ? result.nextMarker || (objects.at(-1)?.key ?? null) : null;
        return { objects, nextMarker };
      } catch (error) {
        throw failure('ListObjects', error);
      }
    },
  };
}
