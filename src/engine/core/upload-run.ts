import { abortError } from '../support/abort';
import { AsyncQueue } from '../support/async-queue';
import type { CheckpointIndex } from '../resume/checkpoint-lookup';
import type { CheckpointRecorder } from '../checkpoints/checkpoint-recorder';
import type { EngineDeps } from '../engine-deps';
import type { ProgressTracker } from './progress';
import { verifyReusedParts } from '../resume/resume-verification';
import { confirmSaved, locateSession, reconcileSession, storedObjectOfSize, type FileToSend, type Session, type SessionOutcome } from '../resume/upload-session';
import { completeSession, sendRemainingParts, storedResultOf, type ObjectTarget, type PartHooks, type Resend } from '../transfer/upload-transfer';
import { buildObjectKey } from '../oss/object-key';
import { partLength, planParts } from '../transfer/part-plan';
import { UploadError } from '../errors/upload-errors';
import type { VerificationCounter } from './verification-counter';
import type { UploadNotice, UploadResult, UploadState } from '../contracts';

export const NOT_RESUMABLE_NOTICE = 'This browser does not keep upload progress, so after a reload this file starts again.';

/** What a run needs of its upload: the file, the shared edges, and where it reports. */
export interface RunContext {
  deps: EngineDeps;
  input: FileToSend;
  /** The original name and what is stored with the object. */
  target: ObjectTarget;
  /** Place in the uploader's queue: earlier uploads get request slots first. */
  rank: number;
  /** The upload's session and the one writer of its checkpoint, shared by its runs. */
  recorder: CheckpointRecorder;
  report: RunReport;
}

/** Where a run tells its upload what happened: progress, notices, checks, state. */
export interface RunReport {
  tracker: ProgressTracker;
  verification: VerificationCounter;
  /** Emits progress (throttled). */
  progress(): void;
  notify(notice: UploadNotice): void;
  /** Moves the upload's state. */
  transition(to: UploadState): void;
}

/** How a run ends early: a pause keeps what the server has, a cancel gives it up. */
export type StopReason = 'pause' | 'cancel';

/**
 * One start (or resume, or retry) of an upload. It owns its abort signal, takes a request slot,
 * finds or checks the session on the server (resuming while ListParts is still being read),
 * sends the parts and completes; everything it learns about the session goes through the
 * upload's recorder, which ignores what no longer counts. Stopped first thing by pause and
 * cancel, so whatever it was doing ends quietly.
 */
export class UploadRun {
  readonly #controller = new AbortController();
  readonly #ctx: RunContext;
  #stoppedBy: StopReason | null = null;
  /** The session this run sends to; replaced when a resumed upload turns out to have expired. */
  #session: Session | null = null;

  constructor(ctx: RunContext) {
    this.#ctx = ctx;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  stop(reason: StopReason): void {
    this.#stoppedBy ??= reason;
    this.#controller.abort();
  }

  /** Whether this run's session is still the upload's (not replaced by a newer run's, not discarded). */
  owns(): boolean {
    return this.#ctx.recorder.holds(this.#session);
  }

  /**
   * Runs to the result. `checkpoints` is a read of the saved checkpoints shared with the uploads
   * added at the same time (first run only). Rejects with what failed, or, when stopped, with
   * whatever stopping interrupted (to be ignored: see `signal`).
   */
  async execute(checkpoints?: Promise<CheckpointIndex>): Promise<UploadResult> {
    const { recorder } = this.#ctx;
    const lock = await this.#takeLock();
    try {
      if (lock?.doneElsewhere) return lock.doneElsewhere;
      const { listing } = recorder.confirmed ? { listing: undefined } : await this.#prepare(checkpoints);
      this.#session = recorder.session as Session | null;
      if (!this.#session) throw new Error('Upload prepared without a session');
      this.#advance('uploading');
      await this.#transfer(listing);
      this.#advance('completing');
      const session = this.#session;
      const result = await this.#complete(session);
      await recorder.finish(session);
      this.signal.throwIfAborted();
      return result;
    } finally {
      lock?.release();
    }
  }

  /**
   * A file sent in parts is uploaded by one tab of the browser at a time (`UploadLocks`, named after
   * its fingerprint): while another holds it, the upload is `elsewhere`. Once it lets go, what the
   * server has is checked again: the other tab may have finished this very file (then nothing is
   * sent: the stored object is the result) or left it unfinished (then its checkpoint is resumed).
   */
  async #takeLock(): Promise<{ release: () => void; doneElsewhere?: UploadResult } | undefined> {
    const { deps, input, recorder, report } = this.#ctx;
    const { signal } = this;
    if (!deps.locks || input.file.size <= deps.settings.partSize) return undefined;
    const fingerprint = await (input.fingerprint?.() ?? deps.fingerprint(input.file));
    let waited = false;
    const release = await deps.locks.acquire(`oss-uploader:${fingerprint}`, {
      signal,
      onWait: () => {
        if (signal.aborted) return;
        waited = true;
        report.transition('elsewhere');
      },
    });
    if (!waited) return { release };
    try {
      const doneElsewhere = await this.#doneElsewhere();
      if (doneElsewhere) return { release, doneElsewhere };
      recorder.doubt();
      this.#advance('queued');
      return { release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The object another tab stored at this file's key, when it holds exactly this file's bytes. */
  async #doneElsewhere(): Promise<UploadResult | undefined> {
    const { deps, input, target } = this.#ctx;
    const { signal } = this;
    const { file } = input;
    const credentials = await deps.credentials.get(signal);
    const key = input.target?.key ?? buildObjectKey(credentials.prefix, input.keyName);
    const stored = await storedObjectOfSize({ key, size: file.size, deps, signal });
    if (!stored?.crc64) return undefined;
    // Read here in full only when an object of this size is there: its CRC-64 must be this file's.
    const spans = planParts(file.size, deps.settings.partSize).parts.map(partLength);
    const digests = await deps.hasher.digestSpans(file, spans, { md5: false }, signal);
    const crc64 = deps.hasher.combine(digests.map((digest, i) => ({ crc64: digest.crc64, size: spans[i]! })));
    return storedResultOf({ key, name: target.name, size: file.size, crc64, deps, signal });
  }

  /**
   * Takes a request slot (staying `queued` until one is free) and finds out where the upload
   * stands. A file found in a checkpoint is not held up by a long ListParts (up to ten requests
   * for 10,000 parts): once its first page shows the upload exists and more pages follow, the
   * session is taken as the checkpoint claims and the listing goes on, in this slot, while the
   * parts the checkpoint lacks are sent; the listing then tells whether the session stood (see
   * `#transfer`). It is wrapped, as a promise returned bare would be awaited here.
   */
  async #prepare(checkpoints: Promise<CheckpointIndex> | undefined): Promise<{ listing: Promise<boolean> | undefined }> {
    const { deps, input, rank, recorder } = this.#ctx;
    const { signal } = this;
    const release = await deps.scheduler.acquire(rank, signal);
    let listing: Promise<boolean> | undefined;
    try {
      this.#advance('preparing');
      const known = recorder.session as Session | null;
      if (known) {
        await this.#settleOrDiscard(await reconcileSession({ input, deps, signal }, known));
        return { listing: undefined };
      }
      const located = await locateSession({ input, deps, signal }, checkpoints);
      if ('outcome' in located) {
        await this.#settleOrDiscard(located.outcome);
        return { listing: undefined };
      }
      const started = await this.#listWhileSending(located.saved);
      listing = started.listing;
      // A listing of one page is over as soon as it shows the upload exists: nothing to gain.
      const early = await Promise.race([started.morePages.then(() => true), listing.then(() => false, () => false)]);
      if (early) return { listing };
      await listing;
      return { listing: undefined };
    } finally {
      if (listing) void listing.catch(() => undefined).finally(release);
      else release();
    }
  }

  /**
   * Adopts what the server said, unless the upload was canceled meanwhile: then what it created
   * must go too. After a pause the server upload is kept (and checkpointed) for the resume.
   */
  async #settleOrDiscard(outcome: SessionOutcome): Promise<void> {
    if (this.#stoppedBy === 'cancel') {
      await this.#discard(outcome.session);
      this.signal.throwIfAborted();
    }
    await this.#adopt(outcome);
    this.signal.throwIfAborted();
  }

  async #adopt(outcome: SessionOutcome): Promise<void> {
    const { deps, recorder, report } = this.#ctx;
    const { session } = outcome;
    this.#session = session;
    if (outcome.notice) report.notify(outcome.notice);
    await recorder.adopt(session, outcome.notice ? { resumed: false } : outcome.resumed ? { resumed: true } : {});
    if (session.uploadId !== null && !deps.store.persistent) report.notify({ code: 'NOT_RESUMABLE', message: NOT_RESUMABLE_NOTICE });
    report.verification.startRun(session.unverified.keys());
    report.tracker.reset(bytesOf(session));
    report.progress();
  }

  /** Takes the saved session as its checkpoint claims, and checks it with the server meanwhile. */
  async #listWhileSending(saved: Session): Promise<{ listing: Promise<boolean>; morePages: Promise<void> }> {
    const { deps, input, recorder, report } = this.#ctx;
    const { signal } = this;
    let more!: () => void;
    const morePages = new Promise<void>((resolve) => (more = resolve));
    this.#session = saved;
    await recorder.adopt(saved, { unconfirmed: true, resumed: true });
    report.tracker.reset(bytesOf(saved));
    report.progress();
    const onPage = (pagesFollow: boolean): void => {
      if (pagesFollow) more();
    };
    const listing = confirmSaved({ input, deps, signal }, saved, onPage).then(async (outcome) => {
      if (outcome.session.uploadId !== saved.uploadId) {
        // Expired: nothing sent for the old upload counts; a new one was started in its place,
        // which goes too when this run no longer owns the upload (a newer run took over).
        if (!this.owns()) {
          await this.#discard(outcome.session);
          throw abortError();
        }
        await this.#settleOrDiscard(outcome);
        return false;
      }
      // Stopped meanwhile: the list is left unused, and a later run lists again (a cancel has
      // removed the checkpoint, which must not be written back).
      signal.throwIfAborted();
      this.#confirm(saved, outcome.session);
      return true;
    });
    return { listing, morePages };
  }

  /** The server's list, merged with what this page sent meanwhile, becomes the session's state. */
  #confirm(saved: Session, listed: Session): void {
    const { deps, recorder, report } = this.#ctx;
    const moved = recorder.settle(saved, listed);
    if (!moved) return;
    if (!deps.store.persistent) report.notify({ code: 'NOT_RESUMABLE', message: NOT_RESUMABLE_NOTICE });
    report.verification.startRun(saved.unverified.keys());
    // Parts in flight keep their bytes; only what counts as done moves.
    if (moved.after < moved.before) report.tracker.partUndone(moved.before - moved.after);
    else report.tracker.partsFound(moved.after - moved.before);
    report.progress();
  }

  /**
   * Sends the parts still missing and, at the same time, checks the parts reused from an earlier
   * session against the local file; a reused part that differs is sent again. Resolves when every
   * part is on the server and known to match the file; the first failure of either stops both.
   *
   * `listing` is given while the session is still only what its checkpoint claims: the parts the
   * checkpoint lacks go out at once (they are needed whatever the server says), the claimed ones
   * wait until the listing has settled the session. When it resolves false (the server no longer
   * knows the upload) everything sent for that upload stops and the run goes on with the session
   * started in its place. A part refused before the listing arrived fails the transfer only if the
   * upload turns out to still exist (it may have been refused because the upload had expired).
   */
  async #transfer(listing: Promise<boolean> | undefined): Promise<void> {
    const { signal } = this;
    const session = this.#session!;
    const hooks = this.#hooks(session);
    if (!listing && session.unverified.size === 0) {
      await sendRemainingParts({ ...this.#sending(session), signal, hooks });
      return;
    }
    const claimed = listing ? [...session.done.keys()] : [];
    const stage = new AbortController();
    const stageSignal = AbortSignal.any([signal, stage.signal]);
    const resends = new AsyncQueue<Resend>();
    let failure: { error: unknown } | undefined;
    let replaced = false;
    const fail = (error: unknown): void => {
      if (failure || stageSignal.aborted) return;
      failure = { error };
      stage.abort();
    };
    const verifying = (listing ?? Promise.resolve(true))
      .then(async (kept) => {
        if (!kept) {
          replaced = true;
          stage.abort();
          return;
        }
        stageSignal.throwIfAborted();
        // Parts the checkpoint claimed but the server turned out to lack (or to hold at another size).
        const planned = new Map(session.plan.parts.map((part) => [part.number, part]));
        for (const number of claimed) {
          const part = planned.get(number);
          if (part && !session.done.has(number)) resends.push({ part });
        }
        await verifyReusedParts({
          session,
          file: this.#ctx.input.file,
          deps: this.#ctx.deps,
          signal: stageSignal,
          hooks: {
            onMatch: hooks.onMatch,
            onMismatch: (part, crc64) => {
              hooks.onMismatch(part, crc64);
              resends.push({ part, crc64 });
            },
          },
        });
        resends.close();
      })
      .catch(fail);
    const sending = sendRemainingParts({ ...this.#sending(session), signal: stageSignal, hooks, resends }).catch(async (error: unknown) => {
      if (listing && !(await listing.catch(() => true))) return;
      fail(error);
    });
    await Promise.all([verifying, sending]);
    signal.throwIfAborted();
    if (failure) throw failure.error;
    if (replaced) {
      // The resumed upload had expired on the server: the run goes on with the one started instead.
      this.#session = this.#ctx.recorder.session as Session | null;
      if (!this.#session) throw new Error('Upload replaced without a session');
      await this.#transfer(undefined);
    }
  }

  #sending(session: Session): { session: Session; file: File; rank: number; deps: EngineDeps; target: ObjectTarget } {
    const { deps, input, rank, target } = this.#ctx;
    return { session, file: input.file, rank, deps, target };
  }

  /** What the parts of `session` report; the recorder drops whatever no longer counts. */
  #hooks(session: Session): PartHooks {
    const { recorder, report } = this.#ctx;
    return {
      onProgress: (partNumber, loaded) => {
        // A part still going to an upload found expired counts for nothing.
        if (this.signal.aborted || !recorder.holds(session)) return;
        report.tracker.setLoaded(partNumber, loaded);
        report.progress();
      },
      onAttemptFailed: (partNumber) => {
        report.tracker.dropSlot(partNumber);
        report.progress();
      },
      // A finished part is never forgotten, even when it lands just after a pause.
      onPartDone: (part) => {
        const recorded = recorder.recordPart(session, part);
        if (!recorded) return;
        if (recorded === 'new') report.tracker.partDone(part.number, part.size);
        else report.tracker.dropSlot(part.number);
        report.progress();
      },
      onKeyTaken: (key) => recorder.moveKey(session, key),
      onMatch: (partNumber, crc64) => {
        // From now on the CRC combined at Complete is the one computed from the local bytes.
        if (!recorder.checkPart(session, partNumber, crc64)) return;
        report.verification.checked(partNumber, false);
        report.progress();
      },
      onMismatch: (part) => {
        const reused = recorder.dropPart(session, part.number);
        if (!reused) return;
        report.tracker.partUndone(reused.size);
        report.verification.checked(part.number, true);
        report.progress();
      },
    };
  }

  async #complete(session: Session): Promise<UploadResult> {
    const { deps, recorder, target } = this.#ctx;
    try {
      return await completeSession({ session, deps, signal: this.signal, target });
    } catch (err) {
      if (!this.signal.aborted && err instanceof UploadError && err.code === 'INTEGRITY') {
        // The damaged object is complete, its multipart upload gone: a retry starts from scratch.
        await recorder.discard(session, { forget: true });
      }
      throw err;
    }
  }

  async #discard(session: Session): Promise<void> {
    await discardSession(session, this.#ctx.recorder, this.#ctx.deps);
  }

  /** A transition made by a run: only while that run has not been stopped. */
  #advance(to: UploadState): void {
    this.signal.throwIfAborted();
    this.#ctx.report.transition(to);
  }
}

/** Best effort: forget the checkpoint and abort the multipart upload so no parts linger. */
export async function discardSession(session: Session, recorder: CheckpointRecorder, deps: Pick<EngineDeps, 'credentials' | 'control'>): Promise<void> {
  await recorder.discard(session);
  if (session.uploadId === null) return;
  try {
    const credentials = await deps.credentials.get();
    await deps.control.abort({ credentials, key: session.key, uploadId: session.uploadId });
  } catch {
    // Left for the bucket's lifecycle rule; the checkpoint is gone, so nothing points to it.
  }
}

function bytesOf(session: Session): number {
  let bytes = 0;
  for (const part of session.done.values()) bytes += part.size;
  return bytes;
}

