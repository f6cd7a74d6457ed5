/**
 * The engine's public contracts: everything `index.ts` exports as a type, and nothing else. Types
 * only. The core imports these; the entry point (`create-uploader.ts`) plugs in the concrete edges
 * (XHR transport, ali-oss control plane, IndexedDB checkpoints, CRC-64 workers), so tests can
 * script fakes. Internal shapes (the session, the resolved settings, the deps) live beside the code
 * that uses them. No Vue, no DOM beyond File/Blob/XHR/IndexedDB.
 */
import type { ObjectInfoResponse, TokenResponse, UploadRecord } from '../shared/token-response';

export type Credentials = TokenResponse;

/** Returns fresh STS credentials; default implementation fetches `/api/sts`. */
export type GetCredentials = (opts: { signal?: AbortSignal }) => Promise<Credentials>;

export type UploadState =
  | 'queued'
  /** The same file is being uploaded by another tab (or upload) of this browser; it starts when that one stops. */
  | 'elsewhere'
  | 'preparing'
  | 'uploading'
  | 'paused'
  | 'completing'
  | 'done'
  | 'failed'
  | 'canceled';

export interface DonePart {
  number: number;
  /** As OSS returns it, with quotes. */
  etag: string;
  /** Decimal string, CRC-64/ECMA-182 of the part as OSS computes it. */
  crc64: string;
  size: number;
}

/** Persisted per unfinished upload. Field names follow ali-oss's checkpoint where they overlap. Never holds the File. */
export interface Checkpoint {
  id: string;
  fingerprint: string;
  key: string;
  bucket: string;
  uploadId: string;
  name: string;
  size: number;
  type: string;
  lastModified: number;
  partSize: number;
  doneParts: DonePart[];
  /** Relative path inside a dropped folder, when there is one. */
  relativePath?: string;
  /**
   * Where the file was picked or dropped through the File System Access API: its handle, kept by
   * IndexedDB's structured clone (never JSON), so `resumeUnfinished` can reopen the file after a reload.
   */
  handle?: FileSystemFileHandle;
  createdAt: number;
  updatedAt: number;
}

/** Storage of checkpoints; IndexedDB in browsers, memory in unit tests. Failures never break an upload. */
export interface CheckpointStore {
  get(id: string): Promise<Checkpoint | undefined>;
  findByFingerprint(fingerprint: string): Promise<Checkpoint | undefined>;
  list(): Promise<Checkpoint[]>;
  put(checkpoint: Checkpoint): Promise<void>;
  delete(id: string): Promise<void>;
  /** False when the backing storage is unavailable (private mode, quota): resume is then off. */
  readonly persistent: boolean;
}

export interface RetryOptions {
  /** Delays in ms between attempts of one part; its length is the number of retries. */
  delays?: number[];
  /** Abort a part request after this many ms without upload progress. */
  stallTimeoutMs?: number;
}

export interface UploaderOptions {
  getCredentials?: GetCredentials;
  /** Preferred part size in bytes (raised automatically to stay within 10,000 parts). */
  partSize?: number;
  /** Parts in flight across all uploads of this uploader. */
  parallel?: number;
  retry?: RetryOptions;
  storage?: CheckpointStore;
  /** Unfinished uploads older than this are aborted and forgotten (default 7 days). */
  maxCheckpointAgeMs?: number;
  /**
   * On resume, check every part already on the server against the local file (CRC-64, or MD5 when
   * the server lists no CRC) before completing, and send again any that differ (default true).
   * Hashing runs in workers alongside sending the missing parts. Turning it off trusts the
   * fingerprint alone; it exists to measure its cost.
   */
  verifyResumedParts?: boolean;
  /**
   * Send `x-oss-forbid-overwrite: true` (default true): a file whose key is taken is stored under a
   * numbered key (`name (1).ext`, `name (2).ext`, …) instead of replacing the object there.
   */
  forbidOverwrite?: boolean;
  /**
   * User metadata stored with every object, as `x-oss-meta-<name>` (names of lower-case ASCII
   * letters, digits, `-`, `_`, `.`; printable ASCII values; 8 KB in all). Merged with `AddOptions.meta`.
   */
  meta?: Record<string, string>;
  /** `Cache-Control` stored with every object. */
  cacheControl?: string;
  /** Store `Content-Disposition: attachment` with the original file name (RFC 6266 / 5987); default false. */
  contentDisposition?: boolean;
}

export interface AddOptions {
  /** Object key relative to the token's prefix; default: the file's (relative) name. */
  key?: string;
  /**
   * The file's handle when it came from `showOpenFilePicker` or `getAsFileSystemHandle`. It is kept
   * with the checkpoint so the upload can be continued after a reload without selecting the file again.
   */
  handle?: FileSystemFileHandle;
  /** This file's metadata, merged over the uploader's `meta` (same rules). */
  meta?: Record<string, string>;
  /** This file's `Cache-Control`, instead of the uploader's. */
  cacheControl?: string;
  /** Instead of the uploader's `contentDisposition`. */
  contentDisposition?: boolean;
  /** Instead of the uploader's `forbidOverwrite`. */
  forbidOverwrite?: boolean;
}

export interface UploadProgress {
  bytesUploaded: number;
  bytesTotal: number;
  /** 0..1 */
  fraction: number;
  /** Smoothed bytes per second. */
  speed: number;
  /** Seconds, or null when unknown. */
  eta: number | null;
}

export interface UploadResult {
  /** The key the object was stored under: a numbered one when the file's own was taken (see `forbidOverwrite`). */
  key: string;
  etag: string;
  crc64: string;
  size: number;
  /** The server's record id (`DELETE <uploadsUrl>/<id>`); present with `record`. */
  id?: string;
  /** The original file name, as recorded; present with `record`. */
  name?: string;
  /** The token endpoint's record of the upload; absent when it keeps none (no `uploadsUrl`) or could not be reached. */
  record?: UploadRecord;
}

/** Machine-readable error codes the engine reports; the UI turns them into plain words. */
export type UploadErrorCode =
  | 'NETWORK'
  | 'OFFLINE'
  | 'TOKEN_ENDPOINT'
  | 'ACCESS_DENIED'
  | 'UPLOAD_EXPIRED'
  | 'FILE_CHANGED'
  | 'FILE_UNREADABLE'
  | 'TOO_LARGE'
  | 'INTEGRITY'
  | 'SERVER'
  | 'CHECKPOINT_UNAVAILABLE'
  /** resumeUnfinished: read permission for the saved file was refused. */
  | 'PERMISSION_DENIED'
  /** resumeUnfinished: the saved file was moved or deleted, or no file was saved. */
  | 'FILE_NOT_FOUND'
  /** A setup mistake of the site (bucket CORS, endpoint): retrying cannot help; the message says what to fix. */
  | 'CONFIGURATION'
  /**
   * resumeUnfinished: the unfinished upload was started under another identity (its key lies outside
   * the prefix of the current credentials: the identity cookie was lost, or someone else signed in),
   * so it cannot be continued here. Nothing was sent and it stays listed; selecting the file again
   * uploads it as a new file, and `discardUnfinished` forgets it.
   */
  | 'IDENTITY_CHANGED'
  | 'UNKNOWN';

export interface UploadErrorInfo {
  code: UploadErrorCode;
  message: string;
  status?: number;
  ossCode?: string;
  requestId?: string;
  partNumber?: number;
  /** Whether retry() can be expected to help. */
  retryable: boolean;
}

/** Machine-readable kind of a notice, so the UI can word it in its own language. */
export type UploadNoticeCode =
  /** The server no longer knew the unfinished upload; the file was started again. */
  | 'UPLOAD_EXPIRED'
  /** No persistent storage: after a reload this file starts again. */
  | 'NOT_RESUMABLE'
  /**
   * An unfinished upload with this name and target differs from this file (it changed since, or is
   * another file of the same name): this one is uploaded as a new file; the old one stays listed.
   */
  | 'FILE_CHANGED'
  /**
   * An unfinished upload of this file was started under another identity (another prefix: the
   * identity cookie was lost, or someone else signed in) and cannot be continued with these
   * credentials: this one is uploaded as a new file; the old one stays listed.
   */
  | 'IDENTITY_CHANGED'
  /** Parts left on the server by an earlier session did not match this file and were sent again. */
  | 'PARTS_RESENT';

/** A notice: its code, and the same in an English sentence (`message`). */
export interface UploadNotice {
  code: UploadNoticeCode;
  message: string;
  /** PARTS_RESENT: how many parts were sent again. */
  count?: number;
  /** FILE_CHANGED, IDENTITY_CHANGED: id of the unfinished upload (see `listUnfinished`) left untouched. */
  unfinishedId?: string;
}

/** Checking parts reused from an earlier session against the local file (see `verifyResumedParts`). */
export interface ResumeVerification {
  /** Parts found on the server that must match the local file before Complete. */
  partsToCheck: number;
  /** Of those, hashed locally and compared so far. */
  partsChecked: number;
  /** Of those, found different and sent again. */
  partsResent: number;
}

/** Immutable view of one upload, suitable for copying into a store. */
export interface UploadSnapshot {
  id: string;
  name: string;
  relativePath?: string;
  size: number;
  type: string;
  key: string | null;
  state: UploadState;
  progress: UploadProgress;
  /** True when this upload continues a checkpoint from an earlier session. */
  resumed: boolean;
  error: UploadErrorInfo | null;
  /** Non-fatal notices, e.g. "previous upload expired, started again", each with its code. */
  notices: UploadNotice[];
  /** Present once a resumed upload has parts from an earlier session to check. */
  verification?: ResumeVerification;
  result: UploadResult | null;
}

export interface UploadEvents {
  state: (snapshot: UploadSnapshot) => void;
  progress: (snapshot: UploadSnapshot) => void;
  error: (error: UploadErrorInfo, snapshot: UploadSnapshot) => void;
  done: (result: UploadResult, snapshot: UploadSnapshot) => void;
}

export interface Upload {
  readonly id: string;
  readonly file: File;
  snapshot(): UploadSnapshot;
  on<E extends keyof UploadEvents>(event: E, listener: UploadEvents[E]): () => void;
  pause(): void;
  resume(): void;
  cancel(): Promise<void>;
  retry(): void;
  /**
   * Resolves with the result. Rejects with an UploadError when the upload fails (a retry gives a new
   * promise), and with a DOMException named AbortError when it is canceled.
   */
  readonly finished: Promise<UploadResult>;
}

/** An unfinished upload remembered from an earlier session. */
export interface UnfinishedUpload {
  id: string;
  name: string;
  relativePath?: string;
  size: number;
  bytesDone: number;
  key: string;
  createdAt: number;
  updatedAt: number;
  /** The file's handle was saved: `resumeUnfinished(id)` can continue it without a file dialog. */
  hasHandle?: boolean;
}

export interface UploaderEvents {
  /**
   * Any upload's state or progress changed (throttled for progress), with snapshots of all uploads.
   * Building those costs O(uploads) per event: with thousands of files, use `onUpdate` instead.
   */
  change: (snapshots: UploadSnapshot[]) => void;
  /**
   * The same moments as `change`, with snapshots of only the uploads that changed since the last one.
   * Progress comes with the progress tick; state changes at most once per task: the first at once,
   * the rest of that task at the start of the next (see docs/engine.md).
   */
  update: (changed: UploadSnapshot[]) => void;
  added: (upload: Upload) => void;
}

export interface Uploader {
  /**
   * Starts uploading `file`. The same file (same name, size, lastModified, type and target key)
   * added again while its first upload is still under way returns that Upload instead of a second
   * one, so two uploads never share one server upload.
   */
  add(file: File, opts?: AddOptions): Upload;
  uploads(): Upload[];
  on<E extends keyof UploaderEvents>(event: E, listener: UploaderEvents[E]): () => void;
  listUnfinished(): Promise<UnfinishedUpload[]>;
  /**
   * Aborts an unfinished upload on the server and forgets it. One started under another identity
   * (IDENTITY_CHANGED) is only forgotten here: these credentials may not abort it, and the bucket's
   * lifecycle rule removes its parts.
   */
  discardUnfinished(id: string): Promise<void>;
  /**
   * Continues an unfinished upload whose file handle was saved (`hasHandle`), with no file dialog:
   * asks for read permission (call it from a click handler: the browser may prompt), reopens the
   * file, checks it is the same file, and resumes the same server upload. Rejects with an
   * UploadError coded PERMISSION_DENIED, FILE_NOT_FOUND or FILE_CHANGED; the unfinished upload then
   * stays listed and selecting the file again still resumes it. IDENTITY_CHANGED: it was started
   * under another identity and cannot be continued here (nothing is sent; it stays listed until
   * discarded; selecting the file again uploads it as a new file).
   */
  resumeUnfinished(id: string): Promise<Upload>;
  /**
   * Listens to `update`: snapshots of only the uploads that changed, so following many files costs
   * O(changed) per event.
   */
  onUpdate(listener: (changed: UploadSnapshot[]) => void): () => void;
  /** Whether checkpoints persist across reloads (IndexedDB available). */
  readonly resumable: boolean;
  /** Pauses every upload (checkpoints stay) and stops the hashing workers the uploader started. */
  destroy(): void;
}

// The edges: what the core talks to, each replaceable through `CreateUploaderOptions`.

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
  /**
   * Starts loading what the first call needs (the default loads the ali-oss SDK), without waiting
   * and without credentials; never throws (a failed load is tried again by the first call). The
   * uploader calls it when it is created (in an idle moment) and again when the first file is added.
   */
  preload?(): void;
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
  /** Starts a worker now, so the first part does not wait for one; the uploader calls it when the first file is added. */
  preload?(): void;
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

/** The token endpoint's upload records (`Credentials.uploadsUrl`). */
export interface UploadRecordsSource {
  /**
   * `POST <uploadsUrl>/confirm`: records an upload OSS stored without a callback getting through
   * (203 CallbackFailed, or a token without `callback`). The record, or undefined when there is no
   * such route or it failed: the upload is stored either way.
   */
  confirm(p: { credentials: Credentials; key: string; name: string; signal?: AbortSignal }): Promise<UploadRecord | undefined>;
}

/**
 * Keeps one tab of a browser uploading a given file at a time (default: Web Locks, see
 * `createUploadLocks`). A lock is named after the file's fingerprint.
 */
export interface UploadLocks {
  /**
   * Resolves with the lock's release once it is held: at once when free, else after `onWait` is
   * called and whoever holds it lets go. Rejects when `signal` aborts first.
   */
  acquire(name: string, opts: { signal: AbortSignal; onWait?: () => void }): Promise<() => void>;
}

/** Where `pagehide` is heard; `globalThis` in a browser. */
export interface PageEvents {
  addEventListener(type: 'pagehide', listener: () => void): void;
  removeEventListener(type: 'pagehide', listener: () => void): void;
}

/** Public options plus the edges, each replaceable (tests, other runtimes). */
export interface CreateUploaderOptions extends UploaderOptions {
  control?: OssControl;
  transport?: PartTransport;
  /** Takes precedence over `getCredentials`. */
  credentials?: CredentialsSource;
  /** Default: the token endpoint's object-info route, when its answer names one. */
  objectInfo?: ObjectInfoSource;
  /** Default: the token endpoint's upload records route, when its answer names one. */
  records?: UploadRecordsSource;
  /** A hasher given here stays the caller's: `destroy()` stops only the workers of the default one. */
  hasher?: Crc64Hasher;
  connectivity?: Connectivity;
  clock?: Clock;
  fingerprint?: (file: File) => Promise<string>;
  /**
   * Keeps two tabs from uploading the same file at once; default Web Locks (`createUploadLocks`).
   * `null`: no such guard.
   */
  locks?: UploadLocks | null;
  /** Where `pagehide` flushes checkpoints; default `globalThis` when it has `addEventListener`. */
  pageEvents?: PageEvents | null;
  progressIntervalMs?: number;
  /** Jitter source for retry delays. */
  random?: () => number;
}
