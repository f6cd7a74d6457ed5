import { discardCheckpoint, toUnfinished } from '../checkpoints/checkpoint-maintenance';
import { randomId, type EngineDeps } from '../engine-deps';
import { Emitter } from '../support/event-emitter';
import { nextTask } from '../support/next-task';
import { throttle, type Throttled } from '../support/throttle';
import { fileChangedSinceUpload, fileNotFound, openFileFromHandle } from '../resume/file-handle';
import { startedUnderAnotherIdentity } from '../oss/object-key';
import { FileUpload, keyNameOf } from './file-upload';
import { MAX_OBJECT_SIZE } from '../transfer/part-plan';
import { identityChanged } from '../errors/upload-errors';
import type { AddOptions, Checkpoint, PageEvents, UnfinishedUpload, Upload, Uploader, UploaderEvents, UploadSnapshot } from '../contracts';

/** What the queue attaches to and owns besides its uploads. */
export interface QueueEnvironment {
  /** Where `pagehide` is heard, to flush checkpoints. */
  pageEvents?: PageEvents;
  /** Releases what the uploader started for itself (the hashing workers); called by `destroy()`. */
  dispose?: () => void;
}

/**
 * The queue: uploads in the order they were added, sharing one request scheduler (at most
 * `parallel` parts in flight across all of them). Checkpoints are flushed when the page hides.
 */
export class UploadQueue implements Uploader {
  readonly #deps: EngineDeps;
  readonly #uploads: FileUpload[] = [];
  /** Uploads by what makes two files the same (see `add`), so adding n files costs O(n), not O(n²). */
  readonly #byIdentity = new Map<string, FileUpload[]>();
  /** Uploads whose state or progress changed since the last change event. */
  readonly #dirty = new Set<FileUpload>();
  readonly #emitter = new Emitter<UploaderEvents>();
  readonly #emitChange: Throttled;
  readonly #pageEvents: PageEvents | undefined;
  readonly #onPageHide = (): void => void this.#deps.writer.flush();
  readonly #dispose: (() => void) | undefined;
  #nextRank = 0;
  /** A state changed since the last `update`, which the start of the next task sends (see `#changedNow`). */
  #stateChangePending = false;
  /** Whether `update` went out in this task for a state change: later ones in it wait for the next. */
  #flushScheduled = false;
  /** Whether the first file has set the shared set-up going (see `#prepareForWork`). */
  #preparedForWork = false;

  constructor(deps: EngineDeps, environment: QueueEnvironment = {}) {
    const { pageEvents } = environment;
    this.#dispose = environment.dispose;
    this.#deps = deps;
    this.#emitChange = throttle(() => this.#emitChanges(), deps.settings.progressIntervalMs, deps.clock);
    this.#pageEvents = pageEvents;
    pageEvents?.addEventListener('pagehide', this.#onPageHide);
    whenIdle(() => deps.control.preload?.());
  }

  get resumable(): boolean {
    return this.#deps.store.persistent;
  }

  /**
   * The same file for the same key while its upload is under way gets that Upload back: a second
   * one would resume into the same server upload and the two would overwrite each other's parts.
   */
  add(file: File, opts: AddOptions = {}): Upload {
    const keyName = keyNameOf(file, opts);
    const underway = this.#byIdentity.get(identityOf(file, keyName))?.find((upload) => upload.isUnderwayFor(file, keyName));
    if (underway) return underway;
    return this.#enqueue(file, opts);
  }

  /**
   * Reopens the saved file of an unfinished upload and continues that upload (see `Uploader`).
   * Only one IndexedDB read comes before the permission request, so the click that called this
   * still counts as a user gesture when the browser prompts; the credentials and the fingerprint
   * are read after it. One started under another identity is refused here, so it stays listed
   * (discardable) instead of becoming a failed row; without credentials now, the upload's own
   * first step checks the same.
   */
  async resumeUnfinished(id: string): Promise<Upload> {
    const owner = this.#uploads.find((upload) => upload.checkpointId === id);
    if (owner) return owner;
    const checkpoint = await this.#deps.store.get(id).catch(() => undefined);
    if (!checkpoint?.handle) throw fileNotFound();
    const file = await openFileFromHandle(checkpoint.handle);
    const credentials = await this.#deps.credentials.get().catch(() => undefined);
    if (credentials && startedUnderAnotherIdentity(checkpoint, credentials)) throw identityChanged();
    if ((await this.#deps.fingerprint(file)) !== checkpoint.fingerprint) throw fileChangedSinceUpload();
    // Another click may have resumed it while permission was asked and the file read.
    const resumedMeanwhile = this.#uploads.find((upload) => upload.checkpointId === id);
    if (resumedMeanwhile) return resumedMeanwhile;
    return this.#enqueue(file, { handle: checkpoint.handle }, checkpoint);
  }

  #enqueue(file: File, opts: AddOptions, target?: Checkpoint): FileUpload {
    const upload: FileUpload = new FileUpload({
      id: randomId(),
      file,
      options: opts,
      rank: this.#nextRank++,
      deps: this.#deps,
      checkpointInUse: (checkpointId): boolean => this.#uploads.some((other) => other !== upload && other.checkpointId === checkpointId),
      ...(target ? { target } : {}),
      onChange: (kind) => {
        if (kind === 'state') return this.#changedNow(upload);
        this.#dirty.add(upload);
        this.#emitChange();
      },
    });
    this.#prepareForWork(file);
    this.#uploads.push(upload);
    this.#index(upload);
    this.#emitter.emit('added', upload);
    this.#changedNow(upload);
    return upload;
  }

  uploads(): Upload[] {
    return [...this.#uploads];
  }

  on<E extends keyof UploaderEvents>(event: E, listener: UploaderEvents[E]): () => void {
    return this.#emitter.on(event, listener);
  }

  onUpdate(listener: (changed: UploadSnapshot[]) => void): () => void {
    return this.#emitter.on('update', listener);
  }

  /** Checkpoints of uploads not running in this uploader, newest first. */
  async listUnfinished(): Promise<UnfinishedUpload[]> {
    const owned = new Set(this.#uploads.map((upload) => upload.checkpointId));
    const checkpoints = await this.#deps.store.list().catch(() => []);
    return checkpoints
      .filter((checkpoint) => !owned.has(checkpoint.id))
      .map(toUnfinished)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async discardUnfinished(id: string): Promise<void> {
    const owner = this.#uploads.find((upload) => upload.checkpointId === id);
    if (owner) return owner.cancel();
    const checkpoint = await this.#deps.store.get(id).catch(() => undefined);
    if (checkpoint) await discardCheckpoint(checkpoint, this.#deps);
  }

  /** Stops every upload (as a pause: checkpoints stay), detaches from the page and stops its workers. */
  destroy(): void {
    for (const upload of this.#uploads) upload.pause();
    this.#emitChange.cancel();
    this.#pageEvents?.removeEventListener('pagehide', this.#onPageHide);
    void this.#deps.writer.flush();
    this.#emitter.clear();
    this.#dispose?.();
  }

  #index(upload: FileUpload): void {
    const identity = identityOf(upload.file, upload.keyName);
    const same = this.#byIdentity.get(identity) ?? [];
    // Finished ones can never match again: dropped here, so the list stays short.
    this.#byIdentity.set(identity, [...same.filter((other) => other.isUnderwayFor(other.file, other.keyName)), upload]);
  }

  /**
   * What the first file of a page waits for is started together, as soon as there is a file:
   * the credentials (one request to the token endpoint), the control plane's SDK (already asked
   * for when the uploader was created, see the constructor; this only hurries it) and a hashing
   * worker. One after the other they held the first request back by about 0.3 s. Credentials are
   * not fetched before a file is added: a page that shows the uploader but never uploads makes no
   * token request (and mints no STS token). A failure here is not reported: the upload that needs
   * the credentials asks again and reports what it gets. A file refused before any request (too
   * large for OSS) sets nothing going.
   */
  #prepareForWork(file: File): void {
    if (this.#preparedForWork || file.size > MAX_OBJECT_SIZE) return;
    this.#preparedForWork = true;
    this.#deps.credentials.get().catch(() => undefined);
    this.#deps.control.preload?.();
    this.#deps.hasher.preload?.();
  }

  /**
   * State changes are not held for the progress tick, but are sent at most once per task: the
   * first one after a quiet spell goes at once (leading edge), and those that follow in the same
   * task (2,000 files added by one selection, an upload passing through several states in a row)
   * go together in one `update` at the start of the next task, each upload with its latest
   * snapshot. Every upload's own `state` events still come one per transition, none skipped.
   */
  #changedNow(upload: FileUpload): void {
    this.#dirty.add(upload);
    if (this.#flushScheduled) {
      this.#stateChangePending = true;
      return;
    }
    this.#flushScheduled = true;
    this.#emitChange();
    this.#emitChange.flush();
    void nextTask().then(() => {
      this.#flushScheduled = false;
      if (!this.#stateChangePending) return;
      this.#stateChangePending = false;
      this.#emitChange();
      this.#emitChange.flush();
    });
  }

  /** Snapshots of the changed uploads only; all of them only when someone listens to `change`. */
  #emitChanges(): void {
    const changed = [...this.#dirty].map((upload) => upload.snapshot());
    this.#dirty.clear();
    this.#stateChangePending = false;
    if (changed.length > 0) this.#emitter.emit('update', changed);
    if (this.#emitter.has('change')) this.#emitter.emit('change', this.#uploads.map((upload) => upload.snapshot()));
  }
}

/**
 * Runs `work` in an idle moment after the page has loaded (within 2 s of it), or at once where there
 * is no idle callback. Loading the control plane's SDK then keeps its download and evaluation (about
 * 0.1 s of script) out of both the page's load and the work of a selection.
 */
function whenIdle(work: () => void): void {
  const page = globalThis as {
    requestIdleCallback?: (callback: () => void, options?: { timeout: number }) => unknown;
    document?: { readyState?: string };
    addEventListener?: (type: 'load', listener: () => void, options: { once: boolean }) => void;
  };
  if (typeof page.requestIdleCallback !== 'function') return work();
  const idle = (): unknown => page.requestIdleCallback?.(work, { timeout: 2000 });
  if (page.document?.readyState !== undefined && page.document.readyState !== 'complete' && page.addEventListener) page.addEventListener('load', idle, { once: true });
  else idle();
}

/** Name, size, time and type of the file, and the key name it goes to (see `FileUpload.isUnderwayFor`). */
function identityOf(file: File, keyName: string): string {
  return JSON.stringify([keyName, file.name, file.size, file.lastModified, file.type]);
}
