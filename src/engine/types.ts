/**
 * Public contracts of the upload engine. Types only: the engine core imports these, concrete
 * implementations (XHR transport, ali-oss control plane, IndexedDB checkpoints) are plugged in
 * at the entry point. No Vue, no DOM beyond File/Blob/XHR/IndexedDB.
 */
import type { TokenResponse } from '../shared/token-response';

export type Credentials = TokenResponse;

/** Returns fresh STS credentials; default implementation fetches `/api/sts`. */
export type GetCredentials = (opts: { signal?: AbortSignal }) => Promise<Credentials>;

export type UploadState =
  | 'queued'
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
}

export interface AddOptions {
  /** Object key relative to the token's prefix; default: the file's (relative) name. */
  key?: string;
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
  key: string;
  etag: string;
  crc64: string;
  size: number;
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
  /** Non-fatal notices, e.g. "previous upload expired, started again". */
  notices: string[];
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
  /** Resolves with the result, rejects with an UploadError when failed/canceled. */
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
}

export interface UploaderEvents {
  /** Any upload's state or progress changed (throttled for progress). */
  change: (snapshots: UploadSnapshot[]) => void;
  added: (upload: Upload) => void;
}

export interface Uploader {
  add(file: File, opts?: AddOptions): Upload;
  uploads(): Upload[];
  on<E extends keyof UploaderEvents>(event: E, listener: UploaderEvents[E]): () => void;
  listUnfinished(): Promise<UnfinishedUpload[]>;
  discardUnfinished(id: string): Promise<void>;
  /** Whether checkpoints persist across reloads (IndexedDB available). */
  readonly resumable: boolean;
  destroy(): void;
}
