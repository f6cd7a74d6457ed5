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
