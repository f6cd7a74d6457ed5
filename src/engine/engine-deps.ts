import type { CheckpointStore, Clock, Connectivity, Crc64Hasher, CredentialsSource, ObjectInfoSource, OssControl, PartTransport, UploadRecordsSource, UploadLocks } from './contracts';
import type { CheckpointWriter } from './checkpoints/checkpoint-writer';
import type { PartScheduler } from './transfer/part-scheduler';
import type { RetryContext } from './transfer/retry-loop';
import type { ObjectSettings } from './oss/object-headers';

/** Options resolved to their defaults once, at the uploader. */
export interface ResolvedSettings {
  partSize: number;
  retryDelays: readonly number[];
  stallTimeoutMs: number;
  /** Minimum time between two progress events of one upload. */
  progressIntervalMs: number;
  /** Source of backoff jitter; injectable so tests are repeatable. */
  random: () => number;
  /** Check parts reused from an earlier session against the local file before Complete. */
  verifyResumedParts: boolean;
  /** What is stored with each object unless the file's `AddOptions` say otherwise. */
  object: ObjectSettings;
}

/** Everything an upload talks to; shared by all uploads of one uploader. */
export interface EngineDeps {
  control: OssControl;
  transport: PartTransport;
  credentials: CredentialsSource;
  objectInfo: ObjectInfoSource;
  hasher: Crc64Hasher;
  connectivity: Connectivity;
  clock: Clock;
  scheduler: PartScheduler;
  store: CheckpointStore;
  writer: CheckpointWriter;
  fingerprint: (file: File) => Promise<string>;
  /** Keeps two tabs from uploading the same file at once; null: no such guard. */
  locks: UploadLocks | null;
  /** The token endpoint's upload records (confirm after a failed callback). */
  records: UploadRecordsSource;
  settings: ResolvedSettings;
}

export function retryContext(deps: EngineDeps, signal: AbortSignal, onFailure?: (err: unknown) => void): RetryContext {
  return {
    credentials: deps.credentials,
    connectivity: deps.connectivity,
    clock: deps.clock,
    delays: deps.settings.retryDelays,
    random: deps.settings.random,
    signal,
    ...(onFailure ? { onFailure } : {}),
  };
}

/** Works in insecure contexts too, where `crypto.randomUUID` is missing. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
