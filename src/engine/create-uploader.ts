import { DEFAULT_MAX_CHECKPOINT_AGE_MS, pruneExpiredCheckpoints } from './checkpoints/checkpoint-maintenance';
import { createIdbCheckpointStore } from './checkpoints/idb-checkpoint-store';
import { createCheckpointWriter } from './checkpoints/checkpoint-writer';
import { systemClock } from './support/clock';
import { browserConnectivity } from './support/connectivity';
import type { CreateUploaderOptions, Crc64Hasher, PageEvents, Uploader } from './contracts';
import { createCrc64Hasher } from './integrity/crc64';
import { createCredentialsSource, fetchTokenEndpoint } from './credentials/credentials';
import type { ResolvedSettings } from './engine-deps';
import { fingerprintFile } from './resume/fingerprint';
import { createObjectInfoSource } from './oss/object-info';
import { createOssControl } from './oss/oss-control';
import { DEFAULT_PART_SIZE } from './transfer/part-plan';
import { createPartScheduler } from './transfer/part-scheduler';
import { DEFAULT_RETRY_DELAYS, DEFAULT_STALL_TIMEOUT_MS } from './transfer/retry-policy';
import { UploadQueue } from './core/upload-queue';
import { createXhrTransport } from './transfer/xhr-transport';
import { validateMeta } from './oss/object-headers';
import { createUploadRecordsSource } from './oss/upload-records';
import { createUploadLocks } from './locks/upload-locks';

export const DEFAULT_PARALLEL = 4;
/** About ten progress events a second: smooth to watch, cheap to render. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/**
 * Builds an uploader with browser defaults: XHR part transport, ali-oss control plane, CRC-64 in
 * workers, IndexedDB checkpoints, credentials from `/api/sts`. Checkpoints older than
 * `maxCheckpointAgeMs` are forgotten now and their uploads aborted in the background.
 */
export async function createUploader(options: CreateUploaderOptions = {}): Promise<Uploader> {
  // Metadata OSS would refuse is refused here, before anything is sent.
  const meta = validateMeta(options.meta);
  const clock = options.clock ?? systemClock;
  const store = options.storage ?? (await createIdbCheckpointStore());
  const writer = createCheckpointWriter(store);
  const credentials = options.credentials ?? createCredentialsSource(options.getCredentials ?? fetchTokenEndpoint(), clock);
  const control = options.control ?? createOssControl();
  const settings: ResolvedSettings = {
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    retryDelays: options.retry?.delays ?? DEFAULT_RETRY_DELAYS,
    stallTimeoutMs: options.retry?.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
    progressIntervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
    random: options.random ?? Math.random,
    verifyResumedParts: options.verifyResumedParts ?? true,
    object: {
      ...(meta && Object.keys(meta).length > 0 ? { meta } : {}),
      ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
      contentDisposition: options.contentDisposition ?? false,
      forbidOverwrite: options.forbidOverwrite ?? true,
    },
  };

  await pruneExpiredCheckpoints({ store, writer, credentials, control, clock }, options.maxCheckpointAgeMs ?? DEFAULT_MAX_CHECKPOINT_AGE_MS);

  const { hasher, dispose } = resolveHasher(options.hasher);
  const deps = {
    control,
    transport: options.transport ?? createXhrTransport(),
    credentials,
    objectInfo: options.objectInfo ?? createObjectInfoSource(),
    hasher,
    connectivity: options.connectivity ?? browserConnectivity,
    clock,
    scheduler: createPartScheduler(options.parallel ?? DEFAULT_PARALLEL),
    store,
    writer,
    fingerprint: options.fingerprint ?? fingerprintFile,
    locks: options.locks === undefined ? createUploadLocks() : options.locks,
    records: options.records ?? createUploadRecordsSource(),
    settings,
  };
  const pageEvents = options.pageEvents === undefined ? defaultPageEvents() : (options.pageEvents ?? undefined);
  return new UploadQueue(deps, { ...(pageEvents ? { pageEvents } : {}), ...(dispose ? { dispose } : {}) });
}

/** The caller's hasher stays theirs; the default one is the uploader's to stop. */
function resolveHasher(given: Crc64Hasher | undefined): { hasher: Crc64Hasher; dispose?: () => void } {
  if (given) return { hasher: given };
  const own = createCrc64Hasher();
  return { hasher: own, dispose: () => own.dispose() };
}

function defaultPageEvents(): PageEvents | undefined {
  const candidate = globalThis as Partial<PageEvents>;
  return typeof candidate.addEventListener === 'function' && typeof candidate.removeEventListener === 'function'
    ? (candidate as PageEvents)
    : undefined;
}
