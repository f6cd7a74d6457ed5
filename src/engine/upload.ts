import { abortError } from './abort';
import { checkpointLookupOf, type CheckpointIndex } from './checkpoint-lookup';
import type { EngineDeps } from './engine-deps';
import { Emitter } from './event-emitter';
import { ProgressTracker } from './progress';
import { throttle, type Throttled } from './throttle';
import { canTransition, isActive, isTerminal } from './upload-state';
import { confirmSaved, locateSession, reconcileSession, type FileToSend, type Session, type SessionOutcome, withDoneParts } from './upload-session';
import { mergeSentDuringListing } from './early-parts';
import { completeSession, transferParts, type ObjectTarget, type PartHooks } from './upload-transfer';
import { validateMeta, type ObjectSettings } from './object-headers';
import { toUploadErrorInfo, UploadError } from './upload-errors';
import { VerificationCounter } from './verification-counter';
import type { AddOptions, Checkpoint, DonePart, Upload, UploadErrorInfo, UploadEvents, UploadNotice, UploadResult, UploadSnapshot, UploadState } from './types';

export const NOT_RESUMABLE_NOTICE = 'This browser does not keep upload progress, so after a reload this file starts again.';

/** The name an object key is built from: the requested key, else the relative path, else the file name. */
export function keyNameOf(file: File, options: AddOptions): string {
  return options.key ?? relativePathOf(file) ?? file.name;
}

/**
 * The uploader's object settings with this file's options over them (metadata merged). Throws a
 * TypeError or RangeError when the file's metadata breaks OSS's rules.
 */
export function objectSettingsOf(defaults: ObjectSettings, options: AddOptions): ObjectSettings {
  const own = validateMeta(options.meta);
  const meta = own ? validateMeta({ ...defaults.meta, ...own }) : defaults.meta;
  const cacheControl = options.cacheControl ?? defaults.cacheControl;
  return {
    ...(meta && Object.keys(meta).length > 0 ? { meta } : {}),
    ...(cacheControl ? { cacheControl } : {}),
    contentDisposition: options.contentDisposition ?? defaults.contentDisposition ?? false,
    forbidOverwrite: options.forbidOverwrite ?? defaults.forbidOverwrite ?? true,
  };
}

function relativePathOf(file: File): string | undefined {
  return (file as { webkitRelativePath?: string }).webkitRelativePath || undefined;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody has to await `finished`; a failure is also reported through events.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * One file's upload. Its state changes only through `#transition`; each run (start, resume,
 * retry) gets its own AbortController, aborted first thing by pause and cancel, so whatever
 * that run was doing ends quietly.
 */
export class FileUpload implements Upload {
  readonly id: string;
  readonly file: File;
  readonly #deps: EngineDeps;
  /** Place in the uploader's queue: earlier uploads get request slots first. */
  readonly #rank: number;
  readonly #input: FileToSend;
  /** The original name and what is stored with the object. */
  readonly #target: ObjectTarget;
  readonly #tracker: ProgressTracker;
  readonly #emitter = new Emitter<UploadEvents>();
  readonly #emitProgress: Throttled;
  #state: UploadState = 'queued';
  #run: AbortController | null = null;
  #session: Session | null = null;
  /** True until a run has checked with the server where this upload stands. */
  #needsPrepare = true;
  #resumed = false;
  #error: UploadErrorInfo | null = null;
  #notices: UploadNotice[] = [];
  /**
   * While a resumed session is still only what its checkpoint claims (the server's list not in
   * yet): that session, and the parts this page has sent to it since.
   */
  #unconfirmed: { session: Session; sent: Map<number, DonePart> } | null = null;
  readonly #verification = new VerificationCounter((notice) => this.#notify(notice));
  #result: UploadResult | null = null;
  #finished = deferred<UploadResult>();
  /**
   * The saved checkpoints, asked for when a multipart file is added: every file added in the same
   * task shares one read of the store (one IndexedDB transaction), where reading when each file's
   * turn comes would cost a read per file. Used by the first run only; later runs read afresh.
   */
  #checkpoints: Promise<CheckpointIndex> | null = null;

  constructor(init: {
    id: string;
    file: File;
    options: AddOptions;
    rank: number;
    deps: EngineDeps;
    /** Whether another upload of the same uploader is using that checkpoint. */
    checkpointInUse: (checkpointId: string) => boolean;
    /** The unfinished upload this one continues (`resumeUnfinished`). */
    target?: Checkpoint;
  }) {
    // Refused before anything is listed or sent: metadata OSS would reject.
    const object = objectSettingsOf(init.deps.settings.object, init.options);
    this.id = init.id;
    this.file = init.file;
    this.#target = { name: init.file.name, object };
    this.#deps = init.deps;
    this.#rank = init.rank;
    // A reopened file has no folder path of its own; the unfinished upload remembers it.
    const relativePath = relativePathOf(init.file) ?? init.target?.relativePath;
    const { handle } = init.options;
    this.#input = {
      file: init.file,
      keyName: init.target ? (init.target.relativePath ?? init.target.name) : keyNameOf(init.file, init.options),
      ...(relativePath ? { relativePath } : {}),
      checkpointInUse: init.checkpointInUse,
      ...(handle ? { handle } : {}),
      ...(init.target ? { target: init.target } : {}),
      object,
    };
    this.#tracker = new ProgressTracker(init.file.size, init.deps.clock);
    // A file sent as one PutObject has nothing to resume: no fingerprint, no checkpoint read.
    if (!init.target && init.file.size > init.deps.settings.partSize) {
      this.#checkpoints = checkpointLookupOf(init.deps.store).read();
      this.#checkpoints.catch(() => undefined);
    }
    this.#emitProgress = throttle(() => this.#emitter.emit('progress', this.snapshot()), init.deps.settings.progressIntervalMs, init.deps.clock);
    this.#start();
  }

  get finished(): Promise<UploadResult> {
    return this.#finished.promise;
  }

  /** Id of this upload's checkpoint, once it has one. */
  get checkpointId(): string | null {
    // The target counts from the start, so it is neither listed as unfinished nor resumed twice.
    return this.#session?.checkpoint?.id ?? this.#input.target?.id ?? null;
  }

  /** The name its object key is built from (see `keyNameOf`). */
  get keyName(): string {
    return this.#input.keyName;
  }

  /**
   * Whether this upload, still under way (not done, failed or canceled), sends the same file to the
   * same key name. A file selected again is another File object: name, size, time and type decide.
   */
  isUnderwayFor(file: File, keyName: string): boolean {
    const underway = this.#state !== 'done' && this.#state !== 'failed' && this.#state !== 'canceled';
    const mine = this.file;
    const same = mine === file || (mine.name === file.name && mine.size === file.size && mine.lastModified === file.lastModified && mine.type === file.type);
    return underway && same && this.#input.keyName === keyName;
  }

  on<E extends keyof UploadEvents>(event: E, listener: UploadEvents[E]): () => void {
    return this.#emitter.on(event, listener);
  }

  snapshot(): UploadSnapshot {
    const relativePath = this.#input.relativePath;
    return {
      id: this.id,
      name: this.file.name,
      ...(relativePath ? { relativePath } : {}),
      size: this.file.size,
      type: this.file.type,
      key: this.#session?.key ?? null,
      state: this.#state,
      progress: this.#tracker.snapshot(),
      resumed: this.#resumed,
      error: this.#error,
      notices: this.#notices.map((notice) => notice.message),
      noticeDetails: this.#notices.map((notice) => ({ ...notice })),
      ...this.#verification.snapshotField(),
      result: this.#result,
    };
  }

  pause(): void {
    if (!isActive(this.#state)) return;
    this.#stopRun();
    this.#transition('paused');
    void this.#deps.writer.flush();
  }

  resume(): void {
    if (this.#state !== 'paused') return;
    if (this.#needsPrepare) this.#transition('queued');
    this.#start();
  }

  retry(): void {
    if (this.#state !== 'failed') return;
    this.#error = null;
    this.#needsPrepare = true;
    this.#finished = deferred();
    this.#transition('queued');
    this.#start();
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.#state)) return;
    this.#stopRun();
    const session = this.#session;
    this.#transition('canceled');
    this.#emitProgress.cancel();
    this.#finished.reject(new DOMException('The upload was canceled.', 'AbortError'));
    if (session) await this.#discard(session);
  }

  #start(): void {
    const run = new AbortController();
    this.#run = run;
    void this.#execute(run.signal);
  }

  /** Aborts the current run before anything else can happen, and forgets its bytes in flight. */
  #stopRun(): void {
    this.#run?.abort();
    this.#run = null;
    this.#tracker.dropAllSlots();
  }

  async #execute(signal: AbortSignal): Promise<void> {
    try {
      const { listing } = this.#needsPrepare ? await this.#prepare(signal) : { listing: undefined };
      let session = this.#session;
      if (!session) throw new Error('Upload prepared without a session');
      this.#advance('uploading', signal);
      if (!(await transferParts(session, this.file, this.#rank, this.#deps, signal, this.#transferHooks(session, signal), listing, this.#target))) {
        // The resumed upload had expired on the server: the run goes on with the one started instead.
        session = this.#session;
        if (!session) throw new Error('Upload replaced without a session');
        await transferParts(session, this.file, this.#rank, this.#deps, signal, this.#transferHooks(session, signal), undefined, this.#target);
      }
      this.#advance('completing', signal);
      const result = await this.#complete(session, signal);
      if (session.checkpoint) await this.#deps.writer.remove(session.checkpoint.id).catch(() => undefined);
      signal.throwIfAborted();
      this.#finish(result);
    } catch (err) {
      if (signal.aborted) return;
      this.#fail(err);
    }
  }

  /**
   * Takes a request slot (staying `queued` until one is free) and finds out where the upload
   * stands. A file found in a checkpoint is not held up by a long ListParts (up to ten requests
   * for 10,000 parts): once its first page shows the upload exists and more pages follow, the
   * session is taken as the checkpoint claims and the listing goes on, in this slot, while the
   * parts the checkpoint lacks are sent; `listing` then tells whether the session stood (see
   * `transferParts`). It is wrapped, as a promise returned bare would be awaited here.
   */
  async #prepare(signal: AbortSignal): Promise<{ listing: Promise<boolean> | undefined }> {
    const release = await this.#deps.scheduler.acquire(this.#rank, signal);
    let listing: Promise<boolean> | undefined;
    try {
      this.#advance('preparing', signal);
      if (this.#session) {
        await this.#settleOrDiscard(await reconcileSession(this.#session, this.#input, this.#deps, signal), signal);
        return { listing: undefined };
      }
      const checkpoints = this.#checkpoints ?? undefined;
      this.#checkpoints = null;
      const located = await locateSession(this.#input, this.#deps, signal, checkpoints);
      if ('outcome' in located) {
        await this.#settleOrDiscard(located.outcome, signal);
        return { listing: undefined };
      }
      const started = this.#listWhileSending(located.saved, signal);
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

  /** Adopts what the server said, unless the upload was canceled meanwhile: then what it created must go too. */
  async #settleOrDiscard(outcome: SessionOutcome, signal: AbortSignal): Promise<void> {
    if (signal.aborted && this.#state === 'canceled') {
      await this.#discard(outcome.session);
      signal.throwIfAborted();
    }
    this.#settle(outcome, signal);
  }

  /** Also after a pause: the server upload (already checkpointed) is kept for the resume. */
  #settle(outcome: SessionOutcome, signal: AbortSignal): void {
    this.#adopt(outcome);
    signal.throwIfAborted();
  }

  /** Takes the saved session as its checkpoint claims, and checks it with the server meanwhile. */
  #listWhileSending(saved: Session, signal: AbortSignal): { listing: Promise<boolean>; morePages: Promise<void> } {
    let more!: () => void;
    const morePages = new Promise<void>((resolve) => (more = resolve));
    const sent = new Map<number, DonePart>();
    this.#unconfirmed = { session: saved, sent };
    this.#session = saved;
    this.#resumed = true;
    let doneBytes = 0;
    for (const part of saved.done.values()) doneBytes += part.size;
    this.#tracker.reset(doneBytes);
    this.#emitProgress();
    const onPage = (pagesFollow: boolean): void => {
      if (pagesFollow) more();
    };
    const listing = confirmSaved(saved, this.#input, this.#deps, signal, onPage).then(
      async (outcome) => {
        if (this.#unconfirmed?.session === saved) this.#unconfirmed = null;
        if (outcome.session.uploadId !== saved.uploadId) {
          // Expired: nothing sent for the old upload counts; a new one was started in its place,
          // which goes too when this run no longer owns the upload (a newer run took over).
          if (this.#session !== saved) {
            await this.#discard(outcome.session);
            throw abortError();
          }
          await this.#settleOrDiscard(outcome, signal);
          return false;
        }
        // Stopped meanwhile: the list is left unused, and a later run lists again (a cancel has
        // removed the checkpoint, which must not be written back).
        signal.throwIfAborted();
        this.#confirm(saved, mergeSentDuringListing(outcome.session, sent, this.#deps.clock.now()));
        return true;
      },
      (err: unknown) => {
        if (this.#unconfirmed?.session === saved) this.#unconfirmed = null;
        throw err;
      },
    );
    return { listing, morePages };
  }

  /** The server's list, merged with what this page sent meanwhile, becomes the session's state. */
  #confirm(saved: Session, settled: Session): void {
    let before = 0;
    for (const part of saved.done.values()) before += part.size;
    saved.done = settled.done;
    saved.unverified = settled.unverified;
    saved.checkpoint = settled.checkpoint;
    if (settled.checkpoint) this.#deps.writer.save(settled.checkpoint);
    this.#needsPrepare = false;
    if (!this.#deps.store.persistent) this.#notify({ code: 'NOT_RESUMABLE', message: NOT_RESUMABLE_NOTICE });
    this.#verification.startRun(settled.unverified.keys());
    let after = 0;
    for (const part of settled.done.values()) after += part.size;
    // Parts in flight keep their bytes; only what counts as done moves.
    if (after < before) this.#tracker.partUndone(before - after);
    else this.#tracker.partsFound(after - before);
    this.#emitProgress();
  }

  #adopt(outcome: SessionOutcome): void {
    const { session } = outcome;
    this.#session = session;
    this.#needsPrepare = false;
    if (outcome.notice) {
      this.#notify(outcome.notice);
      this.#resumed = false;
    } else if (outcome.resumed) {
      this.#resumed = true;
    }
    if (session.uploadId !== null && !this.#deps.store.persistent) {
      this.#notify({ code: 'NOT_RESUMABLE', message: NOT_RESUMABLE_NOTICE });
    }
    this.#verification.startRun(session.unverified.keys());
    let doneBytes = 0;
    for (const part of session.done.values()) doneBytes += part.size;
    this.#tracker.reset(doneBytes);
    this.#emitProgress();
  }

  /** Adds a notice, or replaces the one with the same code (so a counter in it stays current). */
  #notify(notice: UploadNotice): void {
    const index = this.#notices.findIndex((known) => known.code === notice.code);
    if (index >= 0) this.#notices[index] = notice;
    else this.#notices.push(notice);
  }

  #transferHooks(session: Session, signal: AbortSignal): PartHooks {
    return {
      onProgress: (partNumber, loaded) => {
        // A part still going to an upload found expired counts for nothing.
        if (signal.aborted || session !== this.#session) return;
        this.#tracker.setLoaded(partNumber, loaded);
        this.#emitProgress();
      },
      onAttemptFailed: (partNumber) => {
        this.#tracker.dropSlot(partNumber);
        this.#emitProgress();
      },
      onPartDone: (part) => this.#recordPart(session, part),
      onMatch: (partNumber, crc64) => {
        const part = session.done.get(partNumber);
        if (session !== this.#session || !part || !session.unverified.delete(partNumber)) return;
        // From now on the CRC combined at Complete is the one computed from the local bytes.
        session.done.set(partNumber, { ...part, crc64 });
        this.#verification.checked(partNumber, false);
        this.#emitProgress();
      },
      onMismatch: (part) => {
        const reused = session.done.get(part.number);
        if (session !== this.#session || !reused || !session.unverified.delete(part.number)) return;
        session.done.delete(part.number);
        this.#tracker.partUndone(reused.size);
        if (session.checkpoint) {
          session.checkpoint = withDoneParts(session.checkpoint, session.done, this.#deps.clock.now());
          this.#deps.writer.save(session.checkpoint);
        }
        this.#verification.checked(part.number, true);
        this.#emitProgress();
      },
    };
  }

  /** A finished part is never forgotten, even when it lands just after a pause. */
  #recordPart(session: Session, part: DonePart): void {
    if (this.#state === 'canceled' || session !== this.#session) return;
    const known = session.done.has(part.number);
    session.done.set(part.number, part);
    if (this.#unconfirmed?.session === session) this.#unconfirmed.sent.set(part.number, part);
    if (!known) this.#tracker.partDone(part.number, part.size);
    else this.#tracker.dropSlot(part.number);
    if (session.checkpoint) {
      session.checkpoint = withDoneParts(session.checkpoint, session.done, this.#deps.clock.now());
      this.#deps.writer.save(session.checkpoint);
    }
    this.#emitProgress();
  }

  async #complete(session: Session, signal: AbortSignal): Promise<UploadResult> {
    try {
      return await completeSession(session, this.#deps, signal, this.#target);
    } catch (err) {
      if (!signal.aborted && err instanceof UploadError && err.code === 'INTEGRITY') {
        // The damaged object is complete, its multipart upload gone: a retry starts from scratch.
        if (session.checkpoint) await this.#deps.writer.remove(session.checkpoint.id).catch(() => undefined);
        this.#session = null;
      }
      throw err;
    }
  }

  /** Best effort: forget the checkpoint and abort the multipart upload so no parts linger. */
  async #discard(session: Session): Promise<void> {
    if (session.uploadId === null) return;
    if (session.checkpoint) await this.#deps.writer.remove(session.checkpoint.id).catch(() => undefined);
    try {
      const credentials = await this.#deps.credentials.get();
      await this.#deps.control.abort({ credentials, key: session.key, uploadId: session.uploadId });
    } catch {
      // Left for the bucket's lifecycle rule; the checkpoint is gone, so nothing points to it.
    }
  }

  #finish(result: UploadResult): void {
    this.#result = result;
    this.#tracker.markComplete();
    this.#transition('done');
    this.#emitter.emit('done', result, this.snapshot());
    this.#finished.resolve(result);
  }

  #fail(err: unknown): void {
    const info = toUploadErrorInfo(err, { online: this.#deps.connectivity.isOnline() });
    this.#error = info;
    this.#tracker.dropAllSlots();
    this.#transition('failed');
    this.#emitter.emit('error', info, this.snapshot());
    this.#finished.reject(new UploadError(info, { cause: err }));
    void this.#deps.writer.flush();
  }

  /** A transition made by a run: only while that run has not been stopped. */
  #advance(to: UploadState, signal: AbortSignal): void {
    signal.throwIfAborted();
    this.#transition(to);
  }

  #transition(to: UploadState): void {
    if (!canTransition(this.#state, to)) throw new Error(`Invalid upload transition ${this.#state} → ${to}`);
    this.#emitProgress.flush();
    this.#state = to;
    this.#emitter.emit('state', this.snapshot());
  }
}
