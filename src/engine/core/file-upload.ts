import { checkpointLookupOf, type CheckpointIndex } from '../resume/checkpoint-lookup';
import { CheckpointRecorder } from '../checkpoints/checkpoint-recorder';
import type { EngineDeps } from '../engine-deps';
import { Emitter } from '../support/event-emitter';
import { ProgressTracker } from './progress';
import { throttle, type Throttled } from '../support/throttle';
import { canTransition, isActive, isTerminal } from './upload-state';
import type { FileToSend } from '../resume/upload-session';
import { discardSession, UploadRun, type RunContext } from './upload-run';
import type { ObjectTarget } from '../transfer/upload-transfer';
import { validateMeta, type ObjectSettings } from '../oss/object-headers';
import { toUploadErrorInfo, UploadError } from '../errors/upload-errors';
import { VerificationCounter } from './verification-counter';
import type { AddOptions, Checkpoint, Upload, UploadErrorInfo, UploadEvents, UploadNotice, UploadResult, UploadSnapshot, UploadState } from '../contracts';

export { NOT_RESUMABLE_NOTICE } from './upload-run';

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
 * One file's upload: its state, events and progress. Its state changes only through
 * `#transition`; the work is done by one `UploadRun` per start (start, resume, retry), stopped
 * first thing by pause and cancel, so whatever that run was doing ends quietly. Its session and
 * checkpoint live in its `CheckpointRecorder`, shared by its runs.
 */
export class FileUpload implements Upload {
  readonly id: string;
  readonly file: File;
  readonly #deps: EngineDeps;
  readonly #input: FileToSend;
  readonly #tracker: ProgressTracker;
  readonly #recorder: CheckpointRecorder;
  readonly #emitter = new Emitter<UploadEvents>();
  readonly #emitProgress: Throttled;
  readonly #onChange: ((kind: 'state' | 'progress') => void) | undefined;
  /** What every run of this upload is given. */
  readonly #context: RunContext;
  #state: UploadState = 'queued';
  #run: UploadRun | null = null;
  #error: UploadErrorInfo | null = null;
  #notices: UploadNotice[] = [];
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
    /**
     * Told of every state change (at once) and progress event (throttled), with no snapshot: the
     * queue builds the snapshots it sends when it sends them, so none is built for it here.
     */
    onChange?: (kind: 'state' | 'progress') => void;
  }) {
    // Refused before anything is listed or sent: metadata OSS would reject.
    const object = objectSettingsOf(init.deps.settings.object, init.options);
    this.id = init.id;
    this.file = init.file;
    this.#deps = init.deps;
    // A reopened file has no folder path of its own; the unfinished upload remembers it.
    const relativePath = relativePathOf(init.file) ?? init.target?.relativePath;
    const { handle } = init.options;
    let fingerprint: Promise<string> | undefined;
    const fingerprintOnce = (): Promise<string> => {
      if (fingerprint) return fingerprint;
      const computed = init.deps.fingerprint(init.file);
      fingerprint = computed;
      // A file that could not be read is read again by the next run.
      computed.catch(() => (fingerprint = undefined));
      return computed;
    };
    this.#input = {
      fingerprint: fingerprintOnce,
      file: init.file,
      keyName: init.target ? (init.target.relativePath ?? init.target.name) : keyNameOf(init.file, init.options),
      ...(relativePath ? { relativePath } : {}),
      checkpointInUse: init.checkpointInUse,
      ...(handle ? { handle } : {}),
      ...(init.target ? { target: init.target } : {}),
      object,
    };
    this.#tracker = new ProgressTracker(init.file.size, init.deps.clock);
    this.#recorder = new CheckpointRecorder(init.deps.writer, init.deps.clock);
    // A file sent as one PutObject has nothing to resume: no fingerprint, no checkpoint read.
    if (!init.target && init.file.size > init.deps.settings.partSize) {
      this.#checkpoints = checkpointLookupOf(init.deps.store).read();
      this.#checkpoints.catch(() => undefined);
    }
    this.#onChange = init.onChange;
    this.#emitProgress = throttle(
      () => {
        if (this.#emitter.has('progress')) this.#emitter.emit('progress', this.snapshot());
        this.#onChange?.('progress');
      },
      init.deps.settings.progressIntervalMs,
      init.deps.clock,
    );
    this.#context = {
      deps: init.deps,
      input: this.#input,
      target: { name: init.file.name, object },
      rank: init.rank,
      recorder: this.#recorder,
      report: {
        tracker: this.#tracker,
        verification: this.#verification,
        progress: () => this.#emitProgress(),
        notify: (notice) => this.#notify(notice),
        transition: (to) => this.#transition(to),
      },
    };
    this.#start();
  }

  get finished(): Promise<UploadResult> {
    return this.#finished.promise;
  }

  /** Id of this upload's checkpoint, once it has one. */
  get checkpointId(): string | null {
    // The target counts from the start, so it is neither listed as unfinished nor resumed twice.
    return this.#recorder.session?.checkpoint?.id ?? this.#input.target?.id ?? null;
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
      key: this.#recorder.session?.key ?? null,
      state: this.#state,
      progress: this.#tracker.snapshot(),
      resumed: this.#recorder.resumed,
      error: this.#error,
      notices: this.#notices.map((notice) => ({ ...notice })),
      ...this.#verification.snapshotField(),
      result: this.#result,
    };
  }

  pause(): void {
    if (!isActive(this.#state)) return;
    this.#stopRun('pause');
    this.#transition('paused');
    void this.#recorder.flush();
  }

  resume(): void {
    if (this.#state !== 'paused') return;
    // Back to the queue unless the server has confirmed the session: the run checks it first.
    if (!this.#recorder.confirmed) this.#transition('queued');
    this.#start();
  }

  retry(): void {
    if (this.#state !== 'failed') return;
    this.#error = null;
    this.#recorder.doubt();
    this.#finished = deferred();
    this.#transition('queued');
    this.#start();
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.#state)) return;
    this.#stopRun('cancel');
    const session = this.#recorder.session;
    this.#transition('canceled');
    this.#emitProgress.cancel();
    this.#finished.reject(new DOMException('The upload was canceled.', 'AbortError'));
    if (session) await discardSession(session as Parameters<typeof discardSession>[0], this.#recorder, this.#deps);
  }

  #start(): void {
    const run = new UploadRun(this.#context);
    this.#run = run;
    const checkpoints = this.#checkpoints ?? undefined;
    this.#checkpoints = null;
    run.execute(checkpoints).then(
      (result) => this.#finish(result),
      (err: unknown) => {
        if (!run.signal.aborted) this.#fail(err);
      },
    );
  }

  /** Stops the current run before anything else can happen, and forgets its bytes in flight. */
  #stopRun(reason: 'pause' | 'cancel'): void {
    this.#run?.stop(reason);
    this.#run = null;
    this.#tracker.dropAllSlots();
  }

  /** Adds a notice, or replaces the one with the same code (so a counter in it stays current). */
  #notify(notice: UploadNotice): void {
    const index = this.#notices.findIndex((known) => known.code === notice.code);
    if (index >= 0) this.#notices[index] = notice;
    else this.#notices.push(notice);
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
    void this.#recorder.flush();
  }

  #transition(to: UploadState): void {
    if (!canTransition(this.#state, to)) throw new Error(`Invalid upload transition ${this.#state} → ${to}`);
    this.#emitProgress.flush();
    this.#state = to;
    // A snapshot per transition only for someone who listens: a small file makes about five.
    if (this.#emitter.has('state')) this.#emitter.emit('state', this.snapshot());
    this.#onChange?.('state');
  }
}
