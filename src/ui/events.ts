import type { UploadErrorCode, UploadResult } from '../engine/contracts';
import type { RejectReason } from './files/file-rules';
import type { RowState, UploadRow } from './store/upload-row';
import type { UploadFile } from './file-list';

/** Payloads of the uploader's events, for the Vue component and the custom element alike. */

export interface UploadProgressPayload {
  id: string;
  name: string;
  relativePath?: string;
  key: string | null;
  state: RowState;
  bytesUploaded: number;
  bytesTotal: number;
  /** 0..1 */
  fraction: number;
  /** Bytes per second. */
  speed: number;
  /** Seconds, or null when unknown. */
  eta: number | null;
}

export type UploadSuccessPayload = UploadResult;

export interface UploadErrorPayload {
  id: string;
  name: string;
  code: UploadErrorCode;
  message: string;
  retryable: boolean;
  status?: number;
  requestId?: string;
}

export interface UploadRejectPayload {
  name: string;
  /** `before-upload`: the `beforeUpload` hook answered false or threw. */
  reason: RejectReason | 'before-upload';
}

export interface OssUploaderEvents {
  progress: [payload: UploadProgressPayload];
  success: [payload: UploadSuccessPayload];
  error: [payload: UploadErrorPayload];
  reject: [payload: UploadRejectPayload];
  /** The `v-model:file-list` read model, after files were added, changed or removed. */
  'update:fileList': [files: UploadFile[]];
}

export function progressPayload(row: UploadRow): UploadProgressPayload {
  return {
    id: row.id,
    name: row.name,
    ...(row.relativePath === undefined ? {} : { relativePath: row.relativePath }),
    key: row.key,
    state: row.state,
    bytesUploaded: row.progress.bytesUploaded,
    bytesTotal: row.progress.bytesTotal,
    fraction: row.progress.fraction,
    speed: row.progress.speed,
    eta: row.progress.eta,
  };
}
