import type { EngineDeps } from '../engine-deps';
import { startedUnderAnotherIdentity } from '../oss/object-key';
import type { Checkpoint, UnfinishedUpload } from '../contracts';
import { isNoSuchUpload } from '../resume/upload-session';
import { toUploadErrorInfo, UploadError } from '../errors/upload-errors';

type MaintenanceDeps = Pick<EngineDeps, 'store' | 'writer' | 'credentials' | 'control' | 'clock'>;

export const DEFAULT_MAX_CHECKPOINT_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export function toUnfinished(checkpoint: Checkpoint): UnfinishedUpload {
  return {
    id: checkpoint.id,
    name: checkpoint.name,
    ...(checkpoint.relativePath ? { relativePath: checkpoint.relativePath } : {}),
    size: checkpoint.size,
    bytesDone: checkpoint.doneParts.reduce((sum, part) => sum + part.size, 0),
    key: checkpoint.key,
    createdAt: checkpoint.createdAt,
    updatedAt: checkpoint.updatedAt,
    hasHandle: checkpoint.handle !== undefined,
  };
}

/**
 * AbortMultipartUpload, then forget the checkpoint; an upload already gone counts as aborted. One
 * started under another identity is only forgotten: these credentials may not abort it (OSS would
 * refuse, and it could never be discarded), so its parts are left to the bucket's lifecycle rule.
 */
export async function discardCheckpoint(checkpoint: Checkpoint, deps: MaintenanceDeps): Promise<void> {
  try {
    const credentials = await deps.credentials.get();
    if (!startedUnderAnotherIdentity(checkpoint, credentials)) {
      await deps.control.abort({ credentials, key: checkpoint.key, uploadId: checkpoint.uploadId });
    }
  } catch (err) {
    // Keep the checkpoint so the person can try again; say why in plain words.
    if (!isNoSuchUpload(err)) throw new UploadError(toUploadErrorInfo(err), { cause: err });
  }
  await deps.writer.remove(checkpoint.id);
}

/**
 * Forgets checkpoints untouched for longer than `maxAgeMs` at once (so nothing resumes into
 * them), then aborts their multipart uploads in the background, best effort. Resolves with the
 * forgotten checkpoints and the background work, which never rejects.
 */
export async function pruneExpiredCheckpoints(
  deps: MaintenanceDeps,
  maxAgeMs: number,
): Promise<{ expired: Checkpoint[]; aborted: Promise<void> }> {
  const now = deps.clock.now();
  const all = await deps.store.list().catch((): Checkpoint[] => []);
  const expired = all.filter((checkpoint) => now - checkpoint.updatedAt > maxAgeMs);
  await Promise.all(expired.map((checkpoint) => deps.writer.remove(checkpoint.id).catch(() => undefined)));
  const aborted = expired.length === 0 ? Promise.resolve() : abortAll(expired, deps);
  return { expired, aborted };
}

async function abortAll(expired: Checkpoint[], deps: MaintenanceDeps): Promise<void> {
  try {
    const credentials = await deps.credentials.get();
    for (const checkpoint of expired) {
      // Another identity's upload would only be refused.
      if (startedUnderAnotherIdentity(checkpoint, credentials)) continue;
      await deps.control.abort({ credentials, key: checkpoint.key, uploadId: checkpoint.uploadId }).catch(() => undefined);
    }
  } catch {
    // No credentials now: the bucket's lifecycle rule removes the parts eventually.
  }
}
