/**
 * Internal contracts between the engine core (upload state machine, queue) and its edges
 * (OSS control plane, part transport, credentials, hashing). The core imports only these
 * types; the entry point (`create-uploader.ts`) plugs in the concrete implementations, so
 * unit tests can script fakes and the browser gets XHR + ali-oss.
 */
import type { ObjectInfoResponse } from '../shared/token-response';
import type { Credentials, DonePart } from './types';

/** Error thrown by every edge; the core decides retry/refresh/fail from its fields. */
export interface EngineErrorFields {
  /** HTTP status, 0 for network error, -1 for stall/timeout. */
  status: number;
  /** OSS error code from the XML body, e.g. 'NoSuchUpload', 'SecurityTokenExpired'. */
  ossCode?: string;
  requestId?: string;
  partNumber?: number;
  /** From a `Retry-After` header (429/503), in ms: wait at least this long before trying again. */
  retryAfterMs?: number;
}

/** Plan of one part: 1-based number, byte range [start, end). */
export interface PlannedPart {
  number: number;
  start: number;
  end: number;
}

export interface PartPlan {
  partSize: number;
  parts: PlannedPart[];
  /** True when the file goes as one PutObject (small or empty file). */
  single: boolean;
}

export interface ListedPart {
  number: number;
  etag: string;
  size: number;
  /** Present when the server lists it. */
  crc64?: string;
}

/** Multipart control plane (ali-oss in browsers), bound to one set of credentials per call. */
export interface OssControl {
  /** `headers`: stored with the object (Content-Disposition, Cache-Control, x-oss-meta-*) and x-oss-forbid-overwrite. */
  initiate(p: { credentials: Credentials; key: string; contentType: string; headers?: Record<string, string>; signal?: AbortSignal }): Promise<{ uploadId: string }>;
  /**
   * All pages. Throws with ossCode 'NoSuchUpload' when the upload is gone. `onPage`, when given,
   * hears of each page as it arrives (`more`: pages follow), so a caller can act once the upload
   * is known to exist.
   */
  listParts(p: { credentials: Credentials; key: string; uploadId: string; signal?: AbortSignal; onPage?: (more: boolean) => void }): Promise<ListedPart[]>;
  complete(p: {
    credentials: Credentials;
    key: string;
    uploadId: string;
    parts: Array<Pick<DonePart, 'number' | 'etag'>>;
    /** x-oss-callback, x-oss-callback-var, x-oss-forbid-overwrite. */
    headers?: Record<string, string>;
    signal?: AbortSignal;
  }): Promise<{ etag: string; crc64: string | null; data?: unknown }>;
  abort(p: { credentials: Credentials; key: string; uploadId: string; signal?: AbortSignal }): Promise<void>;
  /** Presigned URL for a part PUT (or a whole-object PUT when partNumber is omitted). */
  /** `headers`: the x-oss-* headers the PUT will carry, which the signature must cover. */
  signPutUrl(p: {
    credentials: Credentials;
    key: string;
    uploadId?: string;
    partNumber?: number;
    contentType?: string;
    headers?: Record<string, string>;
    expiresSeconds?: number;
  }): Promise<string>;
}

/** Moves bytes: one PUT of a Blob to a presigned URL with byte-level progress. */
export interface PartTransport {
  put(p: {
    url: string;
    body: Blob;
    contentType?: string;
    /** More request headers (those named x-oss-* must have been signed). */
    headers?: Record<string, string>;
    signal: AbortSignal;
    /** Bytes of this request sent so far. */
    onProgress: (loaded: number) => void;
    /** Abort when no progress for this long. */
    stallTimeoutMs: number;
  }): Promise<{ etag: string; crc64: string | null; status?: number; body?: string }>;
}

/** What an object holds, asked of the token endpoint: the upload credentials cannot read. */
export interface ObjectInfoSource {
  /** `undefined` when it cannot tell (no such route offered, or it failed). */
  get(p: { credentials: Credentials; key: string; signal?: AbortSignal }): Promise<ObjectInfoResponse | undefined>;
}

/** Shared credentials with refresh ahead of expiry and one refresh in flight. */
export interface CredentialsSource {
  get(signal?: AbortSignal): Promise<Credentials>;
  /** Forget the current credentials (after a 403 token error) and fetch new ones once. */
  invalidate(stale: Credentials): void;
}

/** Hashes of one blob from a single read. */
export interface BlobDigest {
  /** CRC-64/ECMA-182, decimal string as OSS returns it. */
  crc64: string;
  /** MD5, upper-case hex (a part's ETag without quotes); only when asked for. */
  md5?: string;
}

/** CRC-64/ECMA-182 (and MD5 on request) of blobs, computed off the main thread. */
export interface Crc64Hasher {
  /** Decimal string as OSS returns it. */
  crc64(blob: Blob, signal?: AbortSignal): Promise<string>;
  /**
   * CRC-64 and, with `md5`, MD5 too, of each of the consecutive spans of `blob` whose sizes are
   * `spans` (adding up to `blob.size`), reading the blob once. `background` jobs yield to the
   * others (the CRCs of parts being sent), so checking resumed parts never holds up sending.
   */
  digestSpans(blob: Blob, spans: readonly number[], opts: { md5: boolean; background?: boolean }, signal?: AbortSignal): Promise<BlobDigest[]>;
  /** CRC of the concatenation, from part CRCs and sizes, in order. */
  combine(parts: Array<{ crc64: string; size: number }>): string;
}

/** Online state, injectable for tests. */
export interface Connectivity {
  isOnline(): boolean;
  /** Resolves when online (at once if already), rejects on abort. */
  waitForOnline(signal?: AbortSignal): Promise<void>;
}

/** Clock and timers, injectable for tests. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
