/** The upload engine's public surface: framework-free, usable from Vue, React or plain TS. */
export { createUploader, DEFAULT_PARALLEL } from './create-uploader';
export { fetchTokenEndpoint, createCredentialsSource } from './credentials/credentials';
export { createMemoryCheckpointStore } from './checkpoints/memory-checkpoint-store';
export { createIdbCheckpointStore } from './checkpoints/idb-checkpoint-store';
export { planParts, DEFAULT_PART_SIZE, MIN_PART_SIZE, MAX_PART_SIZE, MAX_PARTS } from './transfer/part-plan';
export { DEFAULT_RETRY_DELAYS, DEFAULT_STALL_TIMEOUT_MS } from './transfer/retry-policy';
export { buildObjectKey } from './oss/object-key';
export { UploadError, toUploadErrorInfo } from './errors/upload-errors';
export { EngineError, isAbortError } from './errors/engine-error';
export { createUploadLocks } from './locks/upload-locks';
/** Every public type: options, snapshots, events, and the edges a caller may replace. */
export type * from './contracts';
