import type { PartPlan } from './contracts';
import { EngineError } from './engine-error';
import { randomId, retryContext, type EngineDeps } from './engine-deps';
import { buildObjectKey } from './object-key';
import { partLength, planParts } from './part-plan';
import { withRetries } from './retry-loop';
import type { Checkpoint, Credentials, DonePart } from './types';

/** What an upload knows about its object on the server. */
export interface Session {
  key: string;
  bucket: string;
  plan: PartPlan;
  /** Null when the file goes as one PutObject. */
  uploadId: string | null;
  /** The record kept up to date as parts finish; null for a single PutObject. */
  checkpoint: Checkpoint | null;
  done: Map<number, DonePart>;
}

export interface SessionOutcome {
  session: Session;
  /** Continues a multipart upload started earlier (found by fingerprint). */
  resumed: boolean;
  notice?: string;
}

export const EXPIRED_NOTICE = 'The previous upload had expired on the server, so it started again.';

export interface FileToSend {
  file: File;
  /** Name the key is built from: the requested key, else the relative path, else the file name. */
  keyName: string;
  relativePath?: string;
}

/**
 * Finds where a file's upload stands: a small file needs no server state; a large one
 * continues the multipart upload of a checkpoint with the same fingerprint, key and bucket
 * (after checking with the server), or starts a new one.
 */
export async function openSession(input: FileToSend, deps: EngineDeps, signal: AbortSignal): Promise<SessionOutcome> {
  const plan = planParts(input.file.size, deps.settings.partSize);
  const credentials = await withRetries(async (c) => c, retryContext(deps, signal));
  const key = buildObjectKey(credentials.prefix, input.keyName);
  if (plan.single) {
    return { session: { key, bucket: credentials.bucket, plan, uploadId: null, checkpoint: null, done: new Map() }, resumed: false };
  }

  const fingerprint = await deps.fingerprint(input.file);
  signal.throwIfAborted();
  const saved = await deps.store.findByFingerprint(fingerprint).catch(() => undefined);
  const savedPlan = saved && saved.key === key && saved.bucket === credentials.bucket ? planParts(input.file.size, saved.partSize) : null;
  if (saved && savedPlan && !savedPlan.single && savedPlan.partSize === saved.partSize) {
    const session: Session = {
      key,
      bucket: saved.bucket,
      plan: savedPlan,
      uploadId: saved.uploadId,
      checkpoint: saved,
      done: new Map(saved.doneParts.map((part) => [part.number, part])),
    };
    const outcome = await reconcileSession(session, input, deps, signal);
    return { ...outcome, resumed: outcome.notice === undefined };
  }
  return { session: await initiate(input, { key, bucket: credentials.bucket, plan, fingerprint }, deps, signal), resumed: false };
}

/**
 * Brings a multipart session in line with the server (ListParts, every page): a part counts as
 * done only when the server has it at the planned size; everything else is sent (again). An
 * upload the server no longer knows starts over, with a notice.
 */
export async function reconcileSession(session: Session, input: FileToSend, deps: EngineDeps, signal: AbortSignal): Promise<SessionOutcome> {
  const { uploadId, checkpoint } = session;
  if (uploadId === null || checkpoint === null) return { session: { ...session, done: new Map() }, resumed: false };

  let listed;
  try {
    listed = await withRetries((c) => deps.control.listParts({ credentials: c, key: session.key, uploadId, signal }), retryContext(deps, signal));
  } catch (err) {
    if (!isNoSuchUpload(err)) throw err;
    await deps.writer.remove(checkpoint.id).catch(() => undefined);
    const fresh = await initiate(input, { key: session.key, bucket: session.bucket, plan: session.plan, fingerprint: checkpoint.fingerprint }, deps, signal);
    return { session: fresh, resumed: false, notice: EXPIRED_NOTICE };
  }

  const onServer = new Map(listed.map((part) => [part.number, part]));
  const done = new Map<number, DonePart>();
  for (const planned of session.plan.parts) {
    const found = onServer.get(planned.number);
    const size = partLength(planned);
    if (!found || found.size !== size) continue;
    const remembered = session.done.get(planned.number);
    const crc64 =
      found.crc64 ??
      (remembered?.etag === found.etag ? remembered.crc64 : await deps.hasher.crc64(input.file.slice(planned.start, planned.end), signal));
    done.set(planned.number, { number: planned.number, etag: found.etag, crc64, size });
  }
  const updated = withDoneParts(checkpoint, done, deps.clock.now());
  deps.writer.save(updated);
  return { session: { ...session, checkpoint: updated, done }, resumed: false };
}

/** A fresh copy of the checkpoint listing `done`; the writer keeps objects as given. */
export function withDoneParts(checkpoint: Checkpoint, done: Map<number, DonePart>, now: number): Checkpoint {
  const doneParts = [...done.values()].sort((a, b) => a.number - b.number);
  return { ...checkpoint, doneParts, updatedAt: now };
}

async function initiate(
  input: FileToSend,
  target: { key: string; bucket: string; plan: PartPlan; fingerprint: string },
  deps: EngineDeps,
  signal: AbortSignal,
): Promise<Session> {
  const { file } = input;
  const { uploadId } = await withRetries(
    (credentials: Credentials) =>
      deps.control.initiate({ credentials, key: target.key, contentType: file.type || 'application/octet-stream', signal }),
    retryContext(deps, signal),
  );
  const now = deps.clock.now();
  const checkpoint: Checkpoint = {
    id: randomId(),
    fingerprint: target.fingerprint,
    key: target.key,
    bucket: target.bucket,
    uploadId,
    name: file.name,
    size: file.size,
    type: file.type,
    lastModified: file.lastModified,
    partSize: target.plan.partSize,
    doneParts: [],
    ...(input.relativePath ? { relativePath: input.relativePath } : {}),
    createdAt: now,
    updatedAt: now,
  };
  deps.writer.save(checkpoint);
  return { key: target.key, bucket: target.bucket, plan: target.plan, uploadId, checkpoint, done: new Map() };
}

export function isNoSuchUpload(err: unknown): boolean {
  return err instanceof EngineError && err.ossCode === 'NoSuchUpload';
}
