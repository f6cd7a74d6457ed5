import { checkpointLookupOf, type CheckpointIndex } from './checkpoint-lookup';
import type { Checkpoint, Credentials, DonePart, ListedPart, PartPlan, UploadNotice } from '../contracts';
import { EngineError } from '../errors/engine-error';
import { randomId, retryContext, type EngineDeps } from '../engine-deps';
import { buildObjectKey, startedUnderAnotherIdentity } from '../oss/object-key';
import { isKeyOrNumbered, MAX_NUMBERED_KEYS, numberedKey, overwriteHeaders, storedObjectHeaders, type ObjectSettings } from '../oss/object-headers';
import { partLength, planParts } from '../transfer/part-plan';
import { withRetries } from '../transfer/retry-loop';
import { identityChanged } from '../errors/upload-errors';

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
  /**
   * Parts in `done` that the server has from an earlier session, as ListParts described them, whose
   * bytes are not yet known to match the local file. Complete waits until each is checked (and
   * dropped from here) or found different (and sent again).
   */
  unverified: Map<number, ListedPart>;
  /**
   * Initiated by this page with x-oss-forbid-overwrite: the key was free then, so Complete guards it
   * too. A continued upload (from a checkpoint, or started again after it expired) keeps its key.
   */
  guarded?: boolean;
}

export interface SessionOutcome {
  session: Session;
  /** Continues a multipart upload started earlier (found by fingerprint). */
  resumed: boolean;
  notice?: UploadNotice;
}

export const EXPIRED_NOTICE = 'The previous upload had expired on the server, so it started again.';
export const FILE_CHANGED_NOTICE =
  'This file differs from the unfinished upload of the same name (it changed since, or is another file), so it is uploaded as a new file. The unfinished upload is kept.';
export const IDENTITY_CHANGED_NOTICE =
  'The unfinished upload of this file was started under another identity (another browser session or sign-in) and cannot be continued here, so this file is uploaded as a new file. The unfinished upload is kept; discard it if it is no longer needed.';

export interface FileToSend {
  file: File;
  /** Name the key is built from: the requested key, else the relative path, else the file name. */
  keyName: string;
  relativePath?: string;
  /** Whether another upload of this uploader is using the checkpoint; such a one is never resumed. */
  checkpointInUse: (checkpointId: string) => boolean;
  /** Saved with the checkpoint, so the file can be reopened after a reload. */
  handle?: FileSystemFileHandle;
  /**
   * The unfinished upload to continue (`resumeUnfinished`): its key is used as it is, since the
   * name the key was built from (a custom key, a folder path) is not known any more.
   */
  target?: Checkpoint;
  /** What is stored with the object (the uploader's settings with this file's options over them). */
  object?: ObjectSettings;
  /** The file's fingerprint, computed once per upload; `deps.fingerprint` when not given. */
  fingerprint?: () => Promise<string>;
}

/** What every question about a file's session is asked with: the file, the edges, the run's signal. */
export interface SessionRequest {
  input: FileToSend;
  deps: EngineDeps;
  signal: AbortSignal;
}

/**
 * Finds where a file's upload stands, before asking the server about parts: a small file needs no
 * server state; a large one continues the multipart upload of a checkpoint with the same
 * fingerprint, key and bucket, or starts a new one. A continued upload comes back as `saved`:
 * only what the checkpoint claims, every part unverified, to be checked with `confirmSaved`.
 * An unfinished upload started under another identity (a key outside the credentials' prefix) is
 * never continued: asked for by `resumeUnfinished`, it fails with IDENTITY_CHANGED before anything
 * is sent; found by the file's fingerprint, the file goes as a new upload, with a notice saying why.
 */
export type LocatedSession = { outcome: SessionOutcome } | { saved: Session };

/**
 * `checkpoints`, when given, is a read of the saved checkpoints made for many uploads at once (see
 * `CheckpointLookup`); otherwise one is asked for here, shared with the uploads locating at the
 * same time. Either way a file needs at most one read of the store, and a small file none.
 */
export async function locateSession(request: SessionRequest, checkpoints?: Promise<CheckpointIndex>): Promise<LocatedSession> {
  const { input, deps, signal } = request;
  const plan = planParts(input.file.size, deps.settings.partSize);
  const credentials = await withRetries(async (c) => c, retryContext(deps, signal));
  if (input.target && startedUnderAnotherIdentity(input.target, credentials)) throw identityChanged();
  const key = input.target?.key ?? buildObjectKey(credentials.prefix, input.keyName);
  if (plan.single) {
    return { outcome: { session: { key, bucket: credentials.bucket, plan, uploadId: null, checkpoint: null, done: new Map(), unverified: new Map() }, resumed: false } };
  }

  const fingerprint = await (input.fingerprint?.() ?? deps.fingerprint(input.file));
  signal.throwIfAborted();
  const index = await (checkpoints ?? checkpointLookupOf(deps.store).read());
  signal.throwIfAborted();
  const found = input.target ?? findSaved(index, fingerprint, key, credentials.bucket);
  const saved = found && !input.checkpointInUse(found.id) ? found : undefined;
  // A file stored under a numbered key (its own was taken) keeps that key when resumed.
  const savedPlan = saved && isKeyOrNumbered(saved.key, key) && saved.bucket === credentials.bucket ? planParts(input.file.size, saved.partSize) : null;
  if (saved && savedPlan && !savedPlan.single && savedPlan.partSize === saved.partSize) {
    return {
      saved: {
        key: saved.key,
        bucket: saved.bucket,
        plan: savedPlan,
        uploadId: saved.uploadId,
        // A handle given now (the file picked again through the picker) replaces any older one.
        checkpoint: input.handle ? { ...saved, handle: input.handle } : saved,
        done: new Map(saved.doneParts.map((part) => [part.number, part])),
        // Nothing from an earlier session is trusted until checked against this file.
        unverified: new Map(saved.doneParts.map((part) => [part.number, { number: part.number, etag: part.etag, size: part.size }])),
      },
    };
  }
  const notice =
    saved && startedUnderAnotherIdentity(saved, credentials)
      ? identityNotice(saved)
      : fileChangedNotice(input, { key, bucket: credentials.bucket, fingerprint }, index);
  const session = await initiate(request, { key, bucket: credentials.bucket, plan, fingerprint });
  return { outcome: { session, resumed: false, ...(notice ? { notice } : {}) } };
}

/**
 * The checkpoint of this file (by fingerprint), preferring one for `key`: the same file can have
 * been left unfinished twice, e.g. under an identity since lost and again under this one.
 */
function findSaved(index: CheckpointIndex, fingerprint: string, key: string, bucket: string): Checkpoint | undefined {
  const same = index.byFingerprint(fingerprint);
  return same.find((c) => c.key === key && c.bucket === bucket) ?? same.find((c) => c.bucket === bucket && isKeyOrNumbered(c.key, key)) ?? same[0];
}

function identityNotice(elsewhere: Checkpoint): UploadNotice {
  return { code: 'IDENTITY_CHANGED', message: IDENTITY_CHANGED_NOTICE, unfinishedId: elsewhere.id };
}

function fileChangedNotice(
  input: FileToSend,
  target: { key: string; bucket: string; fingerprint: string },
  index: CheckpointIndex,
): UploadNotice | undefined {
  const changed = changedUnfinished(input, target, index);
  return changed ? { code: 'FILE_CHANGED', message: FILE_CHANGED_NOTICE, unfinishedId: changed.id } : undefined;
}

/** Checks a saved session with the server (`reconcileSession`): resumed unless it had expired. */
export async function confirmSaved(request: SessionRequest, saved: Session, onPage?: (more: boolean) => void): Promise<SessionOutcome> {
  const outcome = await reconcileSession(request, saved, onPage);
  return { ...outcome, resumed: outcome.notice === undefined };
}

/**
 * The newest unfinished upload of a file with this name (and relative path) to this key whose
 * fingerprint differs: the file changed since, or it is another file of the same name. It is
 * left alone; the caller starts a new upload and says so.
 */
function changedUnfinished(
  input: FileToSend,
  target: { key: string; bucket: string; fingerprint: string },
  index: CheckpointIndex,
): Checkpoint | undefined {
  return [...index.byName(input.file.name, input.relativePath)]
    .filter(
      (c) =>
        c.key === target.key &&
        c.bucket === target.bucket &&
        c.name === input.file.name &&
        c.relativePath === input.relativePath &&
        c.fingerprint !== target.fingerprint &&
        !input.checkpointInUse(c.id),
    )
    .sort((a, b) => b.updatedAt - a.updatedAt)[0];
}

/**
 * Brings a multipart session in line with the server (ListParts, every page): a part counts as
 * done only when the server has it at the planned size; everything else is sent (again). A part
 * not already known to match the local file is marked unverified (or, with verification off,
 * trusted as before). An upload the server no longer knows starts over, with a notice.
 */
export async function reconcileSession(request: SessionRequest, session: Session, onPage?: (more: boolean) => void): Promise<SessionOutcome> {
  const { input, deps, signal } = request;
  const { uploadId, checkpoint } = session;
  if (uploadId === null || checkpoint === null) return { session: { ...session, done: new Map(), unverified: new Map() }, resumed: false };

  let listed;
  try {
    listed = await withRetries(
      (c) => deps.control.listParts({ credentials: c, key: session.key, uploadId, signal, ...(onPage ? { onPage } : {}) }),
      retryContext(deps, signal),
    );
  } catch (err) {
    if (!isNoSuchUpload(err)) throw err;
    const finished = await completedWhileAway(request, session);
    if (finished) return { session: finished, resumed: true };
    // Its checkpoint goes when the upload adopts the fresh one (see `CheckpointRecorder.adopt`).
    const fresh = await initiate(request, { key: session.key, bucket: session.bucket, plan: session.plan, fingerprint: checkpoint.fingerprint }, { keepKey: true });
    return { session: fresh, resumed: false, notice: { code: 'UPLOAD_EXPIRED', message: EXPIRED_NOTICE } };
  }

  const onServer = new Map(listed.map((part) => [part.number, part]));
  const done = new Map<number, DonePart>();
  const unverified = new Map<number, ListedPart>();
  for (const planned of session.plan.parts) {
    const found = onServer.get(planned.number);
    const size = partLength(planned);
    if (!found || found.size !== size) continue;
    const remembered = session.done.get(planned.number);
    if (remembered?.etag === found.etag && !session.unverified.has(planned.number)) {
      // Sent or checked by this page: its CRC was computed here.
      done.set(planned.number, remembered);
      continue;
    }
    if (deps.settings.verifyResumedParts) {
      // The CRC is a stand-in until the part is checked; Complete waits for that.
      done.set(planned.number, { number: planned.number, etag: found.etag, crc64: found.crc64 ?? remembered?.crc64 ?? '', size });
      unverified.set(planned.number, found);
      continue;
    }
    const crc64 =
      found.crc64 ??
      (remembered?.etag === found.etag ? remembered.crc64 : await deps.hasher.crc64(input.file.slice(planned.start, planned.end), signal));
    done.set(planned.number, { number: planned.number, etag: found.etag, crc64, size });
  }
  const updated = withDoneParts(checkpoint, done, deps.clock.now());
  return { session: { ...session, checkpoint: updated, done, unverified }, resumed: false };
}

/**
 * A saved session whose every part had been sent may have been completed by a Complete whose answer
 * never arrived (the page closed while retrying it). When the key holds an object of this file's
 * size whose CRC-64 equals this file's, read here, the session comes back with every part done and
 * checked, and its Complete finds the object (see `completeSession`) instead of sending it all again.
 */
async function completedWhileAway({ input: { file }, deps, signal }: SessionRequest, session: Session): Promise<Session | undefined> {
  const { parts } = session.plan;
  if (parts.some((part) => !session.done.has(part.number))) return undefined;
  const stored = await storedObjectOfSize({ key: session.key, size: file.size, deps, signal });
  if (!stored) return undefined;
  const digests = await deps.hasher.digestSpans(file, parts.map(partLength), { md5: false }, signal);
  const done = new Map<number, DonePart>(
    parts.map((part, index) => [part.number, { ...session.done.get(part.number)!, crc64: digests[index]!.crc64, size: partLength(part) }]),
  );
  if (deps.hasher.combine([...done.values()]) !== stored.crc64) return undefined;
  return { ...session, done, unverified: new Map() };
}

/**
 * The object at `key` when it has `size` bytes, asked of the token endpoint (the upload
 * credentials cannot read); undefined when there is none, another size, or no way to ask.
 */
export async function storedObjectOfSize({
  key,
  size,
  deps,
  signal,
}: {
  key: string;
  size: number;
  deps: Pick<EngineDeps, 'objectInfo' | 'credentials'>;
  signal: AbortSignal;
}): Promise<{ crc64: string | null; etag: string | null } | undefined> {
  const info = await deps.objectInfo.get({ credentials: await deps.credentials.get(signal), key, signal });
  return info?.exists && info.size === size ? info : undefined;
}

/** A fresh copy of the checkpoint listing `done`; the writer keeps objects as given. */
export function withDoneParts(checkpoint: Checkpoint, done: Map<number, DonePart>, now: number): Checkpoint {
  const doneParts = [...done.values()].sort((a, b) => a.number - b.number);
  return { ...checkpoint, doneParts, updatedAt: now };
}

/**
 * InitiateMultipartUpload without the run's signal: once sent, the server creates the upload even if
 * this page stops listening, so the answer is always awaited and the caller decides what to do
 * with it (abort it after a cancel, keep it after a pause). Retries stop once the run is aborted.
 */
async function initiate(
  { input, deps, signal }: SessionRequest,
  target: { key: string; bucket: string; plan: PartPlan; fingerprint: string },
  { keepKey = false }: { keepKey?: boolean } = {},
): Promise<Session> {
  const { file } = input;
  const settings = input.object ?? deps.settings.object;
  const guard = keepKey ? {} : overwriteHeaders(settings);
  const headers = { ...storedObjectHeaders(file.name, settings), ...guard };
  // With x-oss-forbid-overwrite, OSS refuses a taken key at Initiate already (409 FileAlreadyExists),
  // before any part is sent: the next numbered key is tried instead.
  let key = target.key;
  let uploadId: string;
  for (let n = 1; ; n++) {
    try {
      ({ uploadId } = await withRetries(
        (credentials: Credentials) => deps.control.initiate({ credentials, key, contentType: file.type || 'application/octet-stream', headers }),
        retryContext(deps, signal),
      ));
      break;
    } catch (err) {
      if (!isFileAlreadyExists(err) || n > MAX_NUMBERED_KEYS) throw err;
      signal.throwIfAborted();
      key = numberedKey(target.key, n);
    }
  }
  target = { ...target, key };
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
    ...(input.handle ? { handle: input.handle } : {}),
    createdAt: now,
    updatedAt: now,
  };
  const guarded = Object.keys(guard).length > 0;
  return { key: target.key, bucket: target.bucket, plan: target.plan, uploadId, checkpoint, done: new Map(), unverified: new Map(), ...(guarded ? { guarded } : {}) };
}

export function isFileAlreadyExists(err: unknown): boolean {
  return err instanceof EngineError && err.status === 409 && err.ossCode === 'FileAlreadyExists';
}

export function isNoSuchUpload(err: unknown): boolean {
  return err instanceof EngineError && err.ossCode === 'NoSuchUpload';
}
