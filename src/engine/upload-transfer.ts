import type { PlannedPart } from './contracts';
import { retryContext, type EngineDeps } from './engine-deps';
import { partLength } from './part-plan';
import { withRetries } from './retry-loop';
import type { Session } from './upload-session';
import { UploadError } from './upload-errors';
import type { Credentials, DonePart, UploadResult } from './types';

export interface TransferHooks {
  /** Bytes of this attempt of the part sent so far. */
  onProgress(partNumber: number, loaded: number): void;
  /** The attempt failed or was aborted: its bytes no longer count. */
  onAttemptFailed(partNumber: number): void;
  onPartDone(part: DonePart): void;
}

/**
 * Sends every part not yet done, in order, each as soon as the shared scheduler gives this
 * upload a slot. The first part to fail for good stops the others (they are not recorded)
 * and its error is thrown; parts already done stay done.
 */
export async function sendRemainingParts(
  session: Session,
  file: File,
  rank: number,
  deps: EngineDeps,
  signal: AbortSignal,
  hooks: TransferHooks,
): Promise<void> {
  const stopOnFailure = new AbortController();
  const partSignal = AbortSignal.any([signal, stopOnFailure.signal]);
  const running: Array<Promise<void>> = [];
  const failures: unknown[] = [];

  for (const part of session.plan.parts) {
    if (session.done.has(part.number)) continue;
    let release;
    try {
      release = await deps.scheduler.acquire(rank, partSignal);
    } catch {
      break;
    }
    const job = sendPart(session, file, part, deps, partSignal, hooks)
      .then(hooks.onPartDone, (error: unknown) => {
        if (failures.length === 0 && !partSignal.aborted) {
          failures.push(error);
          stopOnFailure.abort();
        }
      })
      .finally(release);
    running.push(job);
  }
  await Promise.all(running);
  signal.throwIfAborted();
  if (failures.length > 0) throw failures[0];
}

/**
 * One part (or the whole small file) with retries. Its CRC-64 is computed once, alongside the
 * first attempt, and compared with the one the server reports for every attempt.
 */
async function sendPart(session: Session, file: File, part: PlannedPart, deps: EngineDeps, signal: AbortSignal, hooks: TransferHooks): Promise<DonePart> {
  const whole = session.uploadId === null;
  // A single PutObject keeps the file's type, so the object is served with it.
  const body = whole ? file : file.slice(part.start, part.end);
  const contentType = whole && file.type ? file.type : undefined;
  // Not tied to the signal: a part whose PUT succeeded just before a pause still gets its CRC
  // and is recorded, instead of being sent again. At most one part's hashing is wasted.
  const localCrc = deps.hasher.crc64(body);
  localCrc.catch(() => undefined);

  const attempt = async (credentials: Credentials): Promise<DonePart> => {
    const url = await deps.control.signPutUrl({
      credentials,
      key: session.key,
      ...(whole ? {} : { uploadId: session.uploadId as string, partNumber: part.number }),
      ...(contentType ? { contentType } : {}),
    });
    const sent = await deps.transport.put({
      url,
      body,
      ...(contentType ? { contentType } : {}),
      signal,
      onProgress: (loaded) => hooks.onProgress(part.number, loaded),
      stallTimeoutMs: deps.settings.stallTimeoutMs,
    });
    const crc64 = await localCrc;
    if (sent.crc64 !== null && sent.crc64 !== crc64) {
      throw new UploadError({
        code: 'INTEGRITY',
        message: `Part ${part.number} arrived damaged twice (checksum mismatch); the upload was stopped.`,
        partNumber: part.number,
        retryable: true,
      });
    }
    return { number: part.number, etag: sent.etag, crc64, size: partLength(part) };
  };

  return withRetries(attempt, retryContext(deps, signal, () => hooks.onAttemptFailed(part.number)));
}

/**
 * Completes a multipart upload and checks that the object's CRC-64 equals the combination of
 * the parts' CRCs; a single PutObject is already complete.
 */
export async function completeSession(session: Session, deps: EngineDeps, signal: AbortSignal): Promise<UploadResult> {
  const parts = [...session.done.values()].sort((a, b) => a.number - b.number);
  const size = parts.reduce((sum, p) => sum + p.size, 0);
  const { uploadId } = session;
  if (uploadId === null) {
    const [only] = parts;
    if (!only) throw new Error('Nothing was uploaded');
    return { key: session.key, etag: only.etag, crc64: only.crc64, size };
  }
  const completed = await withRetries(
    (credentials) =>
      deps.control.complete({ credentials, key: session.key, uploadId, parts: parts.map(({ number, etag }) => ({ number, etag })), signal }),
    retryContext(deps, signal),
  );
  const expected = deps.hasher.combine(parts);
  if (completed.crc64 !== null && completed.crc64 !== expected) {
    throw new UploadError({
      code: 'INTEGRITY',
      message: 'The stored file does not match the file sent (checksum mismatch). Upload it again.',
      retryable: true,
    });
  }
  return { key: session.key, etag: completed.etag, crc64: completed.crc64 ?? expected, size };
}
