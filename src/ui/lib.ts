/** Library entry: the uploader as a Vue component, plus its building blocks and types. */
export { default as OssUploader } from './components/OssUploader.vue';
export { default as UploadRow, type RowAction } from './components/UploadRow.vue';
export { default as ProgressBar } from './components/ProgressBar.vue';
export { defineUploadStore } from './store/upload-store';
export type { UploaderFactory, UploadTotals, UploadStoreEvent, EngineStatus } from './store/upload-store';
export type { UploadRow as UploadRowData, RowState } from './store/upload-row';
export type {
  OssUploaderEvents,
  UploadProgressPayload,
  UploadSuccessPayload,
  UploadErrorPayload,
  UploadRejectPayload,
} from './events';
export type {
  BeforeUpload,
  BeforeUploadResult,
  InitialUploadFile,
  OssUploaderExposed,
  UploadFile,
  UploadFileStatus,
} from './file-list';
export { uploaderI18n, createUploaderI18n, UPLOADER_I18N, SUPPORTED_LOCALES, type UploaderLocale } from './i18n';
export type { UploaderMessages } from './i18n/en';
export type { UploaderTheme } from './theme';
export type {
  Credentials,
  GetCredentials,
  UploadErrorCode,
  UploadErrorInfo,
  UploadResult,
  UnfinishedUpload,
  Uploader,
} from '../engine/contracts';
