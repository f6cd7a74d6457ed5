/**
 * The JSON body of `GET /api/sts`: short-lived STS credentials plus everything a browser
 * ali-oss client needs to reach the bucket. Shared by the token endpoint (producer) and the
 * upload engine (consumer); types only, so neither side imports the other's code.
 */
export interface TokenResponse {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO 8601 UTC, e.g. `2026-11-28T11:00:00Z`. */
  expiration: string;
  /** e.g. `oss-cn-hangzhou`. */
  region: string;
  bucket: string;
  /** Origin the browser sends OSS requests to, e.g. `http://localhost:9000` or `https://oss-cn-hangzhou.aliyuncs.com`. */
  endpoint: string;
  secure: boolean;
  cname?: boolean;
  /** Path-style addressing (`/bucket/key`); used for the local server. */
  sldEnable?: boolean;
  /** The only key prefix these credentials may write under; ends with `/`. */
  prefix: string;
  /**
   * Where the page may ask what an object under `prefix` holds (`GET <url>?key=…`, answering
   * {@link ObjectInfoResponse}), relative to the token URL. The credentials cannot read objects, so
   * this is how an upload whose CompleteMultipartUpload answer was lost learns that it succeeded.
   * Absent: the endpoint offers no such check.
   */
  objectInfoUrl?: string;
  /**
   * Upload callback, ready for the `x-oss-callback` header (base64 of OSS's callback JSON: the
   * app's own callback URL, a form-encoded body template with `${object}`, `${etag}`, `${size}`,
   * `${crc64}`, `${mimeType}`, `${x:name}` and the visitor's id). Send it unchanged on
   * CompleteMultipartUpload and on a single PutObject (never on Initiate or UploadPart); OSS then
   * answers the request with {@link UploadCallbackAnswer} as its body (ali-oss: `result.data`).
   * Absent: the endpoint takes no callbacks (no public URL configured); record finished uploads with
   * `uploadsUrl + '/confirm'` instead.
   */
  callback?: string;
  /**
   * Custom callback variables, ready for the `x-oss-callback-var` header (base64 of
   * `{"x:name":""}`). Send it with `callback`; to record the original file name, send
   * `callbackVarWithFileName(callbackVar, file.name)` (src/shared/upload-callback.ts) instead, which
   * sets `x:name` to the base64url of the name's UTF-8. Without a name the record shows the key's
   * last segment. The name is display data only: the server never derives anything else from it.
   */
  callbackVar?: string;
  /**
   * The visitor's upload records, relative to the token URL like `objectInfoUrl` (`uploads`):
   * `GET` lists them ({@link UploadListResponse}), `DELETE <uploadsUrl>/<id>` deletes one (object and
   * record), `POST <uploadsUrl>/confirm` records an upload whose callback failed (OSS answered 203
   * CallbackFailed; body {@link UploadConfirmRequest}, answer {@link UploadCallbackAnswer}).
   * Absent: the endpoint keeps no records.
   */
  uploadsUrl?: string;
}

/** One finished upload as the server recorded it. */
export interface UploadRecord {
  /** Stable id (a UUID): `DELETE <uploadsUrl>/<id>`. */
  id: string;
  /** The object key (under the visitor's prefix). */
  key: string;
  /** The original file name the browser gave (display only); the key's last segment when none was given. */
  name: string;
  /** Bytes, as OSS reports the stored object. */
  size: number;
  /** `x-oss-hash-crc64ecma` of the stored object, an unsigned decimal; null when OSS gave none. */
  crc64: string | null;
  /** The object's ETag without quotes, e.g. `5B3C…-3` for a multipart object. */
  etag: string;
  /** The Content-Type OSS stored, when known. */
  mimeType: string | null;
  /** When the record was made: ISO 8601 UTC with milliseconds. */
  createdAt: string;
}

/**
 * The JSON the callback route answers and OSS passes on as the body of the successful
 * CompleteMultipartUpload or PutObject (HTTP 200); also the answer of `POST <uploadsUrl>/confirm`.
 */
export interface UploadCallbackAnswer {
  upload: UploadRecord;
}

/** A listed upload, with a download link. */
export interface UploadListItem extends UploadRecord {
  /**
   * A presigned GET URL of this object only, signed by the server with its read credentials for the
   * visitor's prefix (which never leave it; the signature names this key); it downloads as an
   * attachment named `name`. Usable by anyone holding it until `downloadUrlExpiration` (minutes
   * away): fine for "copy link", not for keeping.
   */
  downloadUrl: string;
  /** ISO 8601 UTC. */
  downloadUrlExpiration: string;
}

/**
 * `GET <uploadsUrl>?limit=&cursor=`: the visitor's uploads, newest first. `limit` 1..50 (default 20);
 * pass `nextCursor` back as `cursor` for the next page; null on the last page.
 */
export interface UploadListResponse {
  uploads: UploadListItem[];
  nextCursor: string | null;
}

/**
 * Body of `POST <uploadsUrl>/confirm` (`Content-Type: application/json`): after OSS answered 203
 * CallbackFailed (the object is stored, the callback did not get through) or when the token response
 * has no `callback`. The server HEADs `key` (it must lie under the visitor's prefix) and records what
 * it finds: 404 ObjectNotFound when nothing is there. Idempotent: the same object gives the same record.
 */
export interface UploadConfirmRequest {
  key: string;
  /** The original file name (display only), up to 1024 characters. */
  name?: string;
}

/** The JSON body of the object-info route (see `TokenResponse.objectInfoUrl`). */
export type ObjectInfoResponse =
  | { exists: false }
  | {
      exists: true;
      size: number;
      /** `x-oss-hash-crc64ecma`, an unsigned decimal; null when OSS sent none. */
      crc64: string | null;
      etag: string | null;
    };

/**
 * The codes of {@link TokenErrorResponse}: a fixed set, stable across releases. Upstream services
 * (STS, OSS) are never quoted: their own codes and words, which can name the role, the account or
 * the policy, go to the server log only.
 */
export type TokenErrorCode =
  | 'InvalidKey'
  | 'Unauthorized'
  | 'MethodNotAllowed'
  | 'PayloadTooLarge'
  | 'TooManyRequests'
  | 'InvalidSubject'
  | 'InternalError'
  | 'ObjectInfoUnavailable'
  /** A request body or query the route cannot use (upload routes). */
  | 'InvalidRequest'
  /** No upload of this visitor with that id. */
  | 'UploadNotFound'
  /** `POST <uploadsUrl>/confirm`: nothing is stored under the key. */
  | 'ObjectNotFound'
  /** OSS could not be asked or did not do what was asked (HEAD, delete): try again later. */
  | 'StorageUnavailable'
  /** The upload records cannot be read or written right now. */
  | 'RecordsUnavailable'
  /** Callback route: the request is not a well-formed OSS callback. */
  | 'InvalidCallback'
  /** Callback route: signature, public-key URL, bucket or key refused. */
  | 'CallbackRefused'
  /** Callback route: the object named is not stored (anymore) or holds other content (a replay). */
  | 'CallbackStale'
  /** STS refused to issue credentials (role, trust policy or the endpoint's own key): a setup problem of the site. */
  | 'StsRefused'
  /** STS could not be reached, was busy or failing, or answered with something unusable. */
  | 'StsUnavailable'
  /** STS did not answer in time (HTTP 504). */
  | 'StsTimeout';

/** Error body of the token endpoint (`4xx`/`5xx`): a stable code and a plain sentence for people. */
export interface TokenErrorResponse {
  error: { code: TokenErrorCode; message: string };
}
