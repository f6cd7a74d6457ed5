import type { AsyncQueue } from '../support/async-queue';
import type { Credentials, DonePart, PlannedPart, UploadResult } from '../contracts';
import { retryContext, type EngineDeps } from '../engine-deps';
import { nextTask } from '../support/next-task';
import { partLength } from './part-plan';
import type { VerificationHooks } from '../resume/resume-verification';
import { withRetries } from './retry-loop';
import { isFileAlreadyExists, isNoSuchUpload, storedObjectOfSize, type Session } from '../resume/upload-session';
import { UploadError } from '../errors/upload-errors';
import { EngineError } from '../errors/engine-error';
import { callbackHeaders, MAX_NUMBERED_KEYS, numberedKey, overwriteHeaders, storedObjectHeaders, type ObjectSettings } from '../oss/object-headers';
import { recordOf } from '../oss/upload-records';
import type { UploadRecord } from '../../shared/token-response';

/** What the upload tells OSS besides the bytes: the original file name and the object settings. */
export interface ObjectTarget {
  /** The file's own name: the callback's `x:name` and the Content-Disposition name. */
  name: string;
  object: ObjectSettings;
}

/** The answer of a single PutObject sent with an upload callback (its status, and its body when 200). */
const putAnswers = new WeakMap<Session, { status: number; body?: string }>();

export interface TransferHooks {
  /** Bytes of this attempt of the part sent so far. */
  onProgress(partNumber: number, loaded: number): void;
  /** The attempt failed or was aborted: its bytes no longer count. */
  onAttemptFailed(partNumber: number): void;
  onPartDone(part: DonePart): void;
  /** The single PutObject goes to this key instead: the one asked for was taken. */
  onKeyTaken(key: string): void;
}

/** Everything the upload hears while its parts move. */
export type PartHooks = TransferHooks & VerificationHooks;

/** A part to send (again); its local CRC, when already known, spares reading its bytes twice. */
export interface Resend {
  part: PlannedPart;
  crc64?: string;
}

/** The parts of one session to send, and where they report. */
export interface SendParams {
  session: Session;
  file: File;
  /** Place in the uploader's queue, for the request scheduler. */
  rank: number;
  deps: EngineDeps;
  signal: AbortSignal;
  hooks: TransferHooks;
  /** Parts to send again as they come, after the missing ones, until it closes. */
  resends?: AsyncQueue<Resend>;
  target?: ObjectTarget;
}

/**
 * Sends every part not yet done, in order, then whatever `resends` brings until it closes, each
 * as soon as the shared scheduler gives this upload a slot. The first part to fail for good stops
 * the others (they are not recorded) and its error is thrown; parts already done stay done.
 */
export async function sendRemainingParts(params: SendParams): Promise<void> {
  const { session, rank, deps, signal, hooks, resends } = params;
  const stopOnFailure = new AbortController();
  const partSignal = AbortSignal.any([signal, stopOnFailure.signal]);
  const running: Array<Promise<void>> = [];
  const failures: unknown[] = [];
  const missing = session.plan.parts.filter((part) => !session.done.has(part.number));

  for (;;) {
    let release;
    let next: { part: PlannedPart; crc64?: string } | undefined;
    try {
      // A part the server turned out to have meanwhile (see `UploadRun`) is not sent.
      let first = missing.shift();
      while (first && session.done.has(first.number)) first = missing.shift();
      next = first ? { part: first } : await resends?.next(partSignal);
      if (!next) break;
      release = await deps.scheduler.acquire(rank, partSignal);
    } catch {
      break;
    }
    const job = sendPart({ ...params, signal: partSignal }, next.part, next.crc64)
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
 * first attempt (unless already known), and compared with the one the server reports for every attempt.
 */
async function sendPart(params: SendParams, part: PlannedPart, knownCrc?: string): Promise<DonePart> {
  const { session, file, deps, signal, hooks, target } = params;
  const whole = session.uploadId === null;
  const name = target?.name ?? file.name;
  const settings = target?.object ?? deps.settings.object;
  // A single PutObject stores the object's headers itself, and carries the callback and the overwrite guard.
  const objectHeaders = whole ? storedObjectHeaders(name, settings) : {};
  let attempts = 0;
  let key = session.key;
  /** This upload has stored an object at the key (damaged: sent again): it may replace its own. */
  let storedOwn = false;
  // A single PutObject keeps the file's type, so the object is served with it.
  const body = whole ? file : file.slice(part.start, part.end);
  const contentType = whole && file.type ? file.type : undefined;
  // Not tied to the signal: a part whose PUT succeeded just before a pause still gets its CRC
  // and is recorded, instead of being sent again. At most one part's hashing is wasted.
  const localCrc = knownCrc !== undefined ? Promise.resolve(knownCrc) : deps.hasher.crc64(body);
  // Hashing reads the part from disk, usually before the PUT gets far: when that read fails (the
  // file changed or went away) the PUT fails too, and retrying it as a network error cannot help.
  let readFailure: { error: unknown } | undefined;
  localCrc.catch((error: unknown) => {
    readFailure = { error };
  });

  const attempt = async (credentials: Credentials): Promise<DonePart> => {
    // Signing and starting the XHR each get a task of their own: several parts starting at once
    // would otherwise run as one long task on the main thread.
    await nextTask();
    if (readFailure) throw readFailure.error;
    attempts++;
    const headers = whole ? { ...objectHeaders, ...(storedOwn ? {} : overwriteHeaders(settings)), ...callbackHeaders(credentials, name) } : {};
    const signed = Object.fromEntries(Object.entries(headers).filter(([header]) => header.toLowerCase().startsWith('x-oss-')));
    const url = await deps.control.signPutUrl({
      credentials,
      key,
      ...(whole ? {} : { uploadId: session.uploadId as string, partNumber: part.number }),
      ...(contentType ? { contentType } : {}),
      ...(Object.keys(signed).length > 0 ? { headers: signed } : {}),
    });
    await nextTask();
    signal.throwIfAborted();
    const sent = await deps.transport
      .put({
        url,
        body,
        ...(contentType ? { contentType } : {}),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        signal,
        onProgress: (loaded) => hooks.onProgress(part.number, loaded),
        stallTimeoutMs: deps.settings.stallTimeoutMs,
      })
      .catch((err: unknown) => {
        throw readFailure ? readFailure.error : err;
      });
    if (whole) storedOwn = true;
    const crc64 = await localCrc;
    if (sent.crc64 !== null && sent.crc64 !== crc64) {
      throw new UploadError({
        code: 'INTEGRITY',
        message: `Part ${part.number} arrived damaged twice (checksum mismatch); the upload was stopped.`,
        partNumber: part.number,
        retryable: true,
      });
    }
    if (whole && headers['x-oss-callback'] !== undefined) putAnswers.set(session, { status: sent.status ?? 200, ...(sent.body !== undefined ? { body: sent.body } : {}) });
    return { number: part.number, etag: sent.etag, crc64, size: partLength(part) };
  };

  const context = retryContext(deps, signal, () => hooks.onAttemptFailed(part.number));
  if (!whole) return withRetries(attempt, context);
  // x-oss-forbid-overwrite: a taken key (409 FileAlreadyExists) sends the file to the next numbered
  // key. Unless an earlier attempt of this upload may have stored it (its answer lost on the way):
  // then an object of this size and CRC-64 there is this file, and the upload is done.
  const ownKey = key;
  for (let n = 1; ; n++) {
    const before = attempts;
    try {
      return await withRetries(attempt, context);
    } catch (err) {
      if (!isFileAlreadyExists(err) || n > MAX_NUMBERED_KEYS || signal.aborted) throw err;
      hooks.onAttemptFailed(part.number);
      if (attempts - before > 1) {
        const stored = await storedObjectOfSize({ key, size: file.size, deps, signal });
        const crc64 = await localCrc;
        if (stored && stored.crc64 === crc64) return { number: part.number, etag: stored.etag ?? '', crc64, size: partLength(part) };
      }
      key = numberedKey(ownKey, n);
      hooks.onKeyTaken(key);
    }
  }
}

/**
 * Completes a multipart upload and checks that the object's CRC-64 equals the combination of
 * the parts' CRCs, each computed here from the local file (for parts sent by this page, or
 * reused and checked), so the object is known to hold exactly the file's bytes. A single
 * PutObject is already complete.
 */
export interface CompleteParams {
  session: Session;
  deps: EngineDeps;
  signal: AbortSignal;
  target?: ObjectTarget;
}

export async function completeSession({ session, deps, signal, target }: CompleteParams): Promise<UploadResult> {
  if (session.unverified.size > 0) throw new Error('Complete called before every reused part was checked');
  const parts = [...session.done.values()].sort((a, b) => a.number - b.number);
  const size = parts.reduce((sum, p) => sum + p.size, 0);
  const name = target?.name ?? session.checkpoint?.name ?? session.key.slice(session.key.lastIndexOf('/') + 1);
  const settings = target?.object ?? deps.settings.object;
  const { uploadId } = session;
  if (uploadId === null) {
    const [only] = parts;
    if (!only) throw new Error('Nothing was uploaded');
    const answer = putAnswers.get(session);
    putAnswers.delete(session);
    const record = await recordFor({ key: session.key, name, answer: answer?.status === 200 ? parseJson(answer.body) : undefined, deps, signal });
    return withRecord({ key: session.key, etag: only.etag, crc64: only.crc64, size }, record);
  }
  const expected = deps.hasher.combine(parts);
  let completed: { etag: string; crc64: string | null; data?: unknown };
  try {
    completed = await withRetries(
      (credentials) =>
        deps.control.complete({
          credentials,
          key: session.key,
          uploadId,
          parts: parts.map(({ number, etag }) => ({ number, etag })),
          // The callback goes on Complete only: OSS calls the app server once the object exists.
          headers: { ...callbackHeaders(credentials, name), ...(session.guarded ? overwriteHeaders(settings) : {}) },
          signal,
        }),
      retryContext(deps, signal),
    );
  } catch (err) {
    if (isCallbackFailed(err)) {
      // 203: the object is stored, only the app server did not hear of it; confirm records it,
      // and its record (the server's HEAD of the object) carries the CRC-64 to check.
      const record = await recordFor({ key: session.key, name, deps, signal });
      checkIntegrity(record?.crc64 ?? null, expected);
      return withRecord({ key: session.key, etag: record?.etag ?? '', crc64: record?.crc64 ?? expected, size }, record);
    }
    if (!isNoSuchUpload(err) && !isFileAlreadyExists(err)) throw err;
    // Gone: expired or aborted, or completed by an attempt whose answer was lost on the way. (A
    // taken key at Complete is this file when an earlier attempt stored it; anything else there
    // stays: the parts cannot move to another key.)
    const earlier = await completedEarlier({ key: session.key, size, crc64: expected, deps, signal });
    if (!earlier) throw err;
    return withRecord(earlier, await recordFor({ key: session.key, name, deps, signal }));
  }
  checkIntegrity(completed.crc64, expected);
  const record = await recordFor({ key: session.key, name, answer: completed.data, deps, signal });
  return withRecord({ key: session.key, etag: completed.etag, crc64: completed.crc64 ?? expected, size }, record);
}

function checkIntegrity(stored: string | null, expected: string): void {
  if (stored !== null && stored !== expected) {
    throw new UploadError({
      code: 'INTEGRITY',
      message: `The stored file does not match the local file (CRC-64 ${stored} on the server, ${expected} here). Upload it again.`,
      retryable: true,
    });
  }
}

/** OSS stored the object but its upload callback failed (HTTP 203). */
export function isCallbackFailed(err: unknown): boolean {
  return err instanceof EngineError && err.status === 203 && err.ossCode === 'CallbackFailed';
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The record of the stored object: the callback's answer when there was one, else asked of the
 * token endpoint (`POST <uploadsUrl>/confirm`) when it keeps records. Undefined when it keeps none
 * or cannot be reached: the object is stored regardless.
 */
async function recordFor({
  key,
  name,
  answer,
  deps,
  signal,
}: {
  key: string;
  name: string;
  /** The callback's answer, when there was one. */
  answer?: unknown;
  deps: EngineDeps;
  signal: AbortSignal;
}): Promise<UploadRecord | undefined> {
  const record = recordOf(answer);
  if (record) return record;
  const credentials = await deps.credentials.get(signal);
  if (!credentials.uploadsUrl) return undefined;
  return deps.records.confirm({ credentials, key, name, signal });
}

function withRecord(result: UploadResult, record: UploadRecord | undefined): UploadResult {
  return record ? { ...result, key: record.key, id: record.id, name: record.name, record } : result;
}

/**
 * The result of an upload of this very file that another tab completed at `key` (same size, and
 * the CRC-64 of the object equals `crc64`, computed here from the local file), with its record;
 * undefined when the key holds anything else, nothing, or there is no way to ask.
 */
export async function storedResultOf(p: { key: string; name: string; size: number; crc64: string; deps: EngineDeps; signal: AbortSignal }): Promise<UploadResult | undefined> {
  const stored = await completedEarlier(p);
  return stored && withRecord(stored, await recordFor({ key: p.key, name: p.name, deps: p.deps, signal: p.signal }));
}

/**
 * The object at `key`, when it is this very file: same size and the CRC-64 combined from the parts
 * sent. Otherwise (something else there, nothing, or no way to ask) undefined.
 */
async function completedEarlier({
  key,
  size,
  crc64,
  deps,
  signal,
}: {
  key: string;
  size: number;
  crc64: string;
  deps: EngineDeps;
  signal: AbortSignal;
}): Promise<UploadResult | undefined> {
  const stored = await storedObjectOfSize({ key, size, deps, signal });
  if (stored?.crc64 !== crc64) return undefined;
  return { key, etag: stored.etag ?? '', crc64, size };
}
