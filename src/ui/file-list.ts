import type { UploadResult } from '../engine/contracts';
import { ACTIVE_STATES, type UploadRow } from './store/upload-row';

/** A file's state in the `fileList` read model, as Element Plus `el-upload` names them. */
export type UploadFileStatus = 'ready' | 'uploading' | 'success' | 'fail' | 'paused';

/** One entry of `v-model:file-list`: a read model of a row, shaped like `el-upload`'s `UploadFile`. */
export interface UploadFile {
  /** The row's id (`initial-…` for an entry of the initial list). */
  uid: string;
  name: string;
  /** Bytes; 0 when an initial entry did not say. */
  size: number;
  status: UploadFileStatus;
  /** 0..100 */
  percentage: number;
  /** Object key, once known. */
  key?: string;
  /** What the upload returned, once it succeeded. */
  response?: UploadResult;
}

/** An already uploaded file to list as done, e.g. from the host's database. */
export interface InitialUploadFile {
  name: string;
  /** Object key it is stored under. */
  key: string;
  /** Bytes, if known. */
  size?: number;
  /** Stable id; default `initial-<index>`. */
  uid?: string;
}

/** What `beforeUpload` may answer: false refuses the file; an object may set its key and metadata (`x-oss-meta-*`). */
export type BeforeUploadResult = boolean | void | undefined | { key?: string; meta?: Record<string, string> };
export type BeforeUpload = (file: File) => BeforeUploadResult | Promise<BeforeUploadResult>;

/** Methods reachable through a template ref on `<OssUploader>` (and on the `<oss-uploader>` element). */
export interface OssUploaderExposed {
  /** Starts every file waiting for Start (with `autoStart` off). */
  submit(): Promise<void>;
  /** Cancels one upload by `uid`, or every unfinished one. */
  abort(uid?: string): Promise<void>;
  /** Empties the list (unfinished uploads are canceled first), initial entries included. */
  clearFiles(): Promise<void>;
  /** Pauses every running upload. */
  pauseAll(): void;
  /** Resumes every paused upload. */
  resumeAll(): void;
}

export function statusOf(row: UploadRow): UploadFileStatus {
  if (row.state === 'pending') return 'ready';
  if (row.state === 'done') return 'success';
  if (row.state === 'paused') return 'paused';
  if (row.state === 'failed' || row.state === 'canceled') return 'fail';
  return 'uploading';
}

export function uploadFileOf(row: UploadRow): UploadFile {
  return {
    uid: row.id,
    name: row.name,
    size: row.size,
    status: statusOf(row),
    percentage: Math.round(row.progress.fraction * 1000) / 10,
    ...(row.key === null ? {} : { key: row.key }),
    ...(row.result ? { response: row.result } : {}),
  };
}

export function initialUid(item: InitialUploadFile, index: number): string {
  return item.uid ?? `initial-${index}`;
}

/** A done row for an initial entry, so it is shown like any uploaded file. */
export function initialRow(item: InitialUploadFile, uid: string): UploadRow {
  const size = item.size ?? 0;
  return {
    id: uid,
    name: item.name,
    size,
    type: '',
    key: item.key,
    state: 'done',
    progress: { bytesUploaded: size, bytesTotal: size, fraction: 1, speed: 0, eta: 0 },
    resumed: false,
    error: null,
    notices: [],
    result: { key: item.key, etag: '', crc64: '', size },
    expectedResume: false,
  };
}

export function isRunning(row: UploadRow): boolean {
  return ACTIVE_STATES.has(row.state);
}
