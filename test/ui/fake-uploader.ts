/**
 * A scripted stand-in for the engine. Tests drive it (`update`, `fail`, `finish`) and read what
 * the UI asked of it (`calls`). Its state sits in #private fields on purpose: were the store to
 * wrap it in a Vue proxy, every call would throw, as it would with the real engine.
 */
import type {
  AddOptions,
  UnfinishedUpload,
  Upload,
  UploadErrorInfo,
  UploadEvents,
  Uploader,
  UploaderEvents,
  UploadResult,
  UploadSnapshot,
} from '../../src/engine/contracts';

type Listener = (...args: never[]) => void;

class Listeners<Events> {
  readonly #sets = new Map<keyof Events, Set<Listener>>();

  on(event: keyof Events, listener: Listener): () => void {
    let set = this.#sets.get(event);
    if (!set) this.#sets.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit(event: keyof Events, ...args: unknown[]): void {
    for (const listener of this.#sets.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  get count(): number {
    let total = 0;
    for (const set of this.#sets.values()) total += set.size;
    return total;
  }
}

export class FakeUpload implements Upload {
  readonly id: string;
  readonly file: File;
  readonly options: AddOptions;
  /** Actions the UI called, in order. */
  readonly calls: string[] = [];
  readonly finished: Promise<UploadResult>;
  readonly #owner: FakeUploader;
  readonly #listeners = new Listeners<UploadEvents>();
  #snapshot: UploadSnapshot;

  constructor(owner: FakeUploader, id: string, file: File, options: AddOptions) {
    this.#owner = owner;
    this.id = id;
    this.file = file;
    this.options = options;
    this.finished = new Promise(() => undefined);
    const relativePath = file.webkitRelativePath || undefined;
    this.#snapshot = {
      id,
      name: file.name,
      ...(relativePath ? { relativePath } : {}),
      size: file.size,
      type: file.type,
      key: null,
      state: 'queued',
      progress: { bytesUploaded: 0, bytesTotal: file.size, fraction: 0, speed: 0, eta: null },
      resumed: false,
      error: null,
      notices: [],
      result: null,
    };
  }

  snapshot(): UploadSnapshot {
    return structuredClone(this.#snapshot);
  }

  on<E extends keyof UploadEvents>(event: E, listener: UploadEvents[E]): () => void {
    return this.#listeners.on(event, listener);
  }

  get listenerCount(): number {
    return this.#listeners.count;
  }

  pause(): void {
    this.calls.push('pause');
  }

  resume(): void {
    this.calls.push('resume');
  }

  retry(): void {
    this.calls.push('retry');
  }

  async cancel(): Promise<void> {
    this.calls.push('cancel');
    this.update({ state: 'canceled' });
  }

  /** Changes the snapshot and reports it the way the engine does (state/progress + uploader change). */
  update(patch: Partial<UploadSnapshot>): void {
    const stateChanged = patch.state !== undefined && patch.state !== this.#snapshot.state;
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.#listeners.emit(stateChanged ? 'state' : 'progress', this.snapshot());
    this.#owner.emitChange();
  }

  /** Moves to `uploading` with `fraction` of the file sent. */
  progressTo(fraction: number, speed = 1_000_000): void {
    const bytesUploaded = Math.round(this.file.size * fraction);
    this.update({
      state: 'uploading',
      progress: { bytesUploaded, bytesTotal: this.file.size, fraction, speed, eta: (this.file.size - bytesUploaded) / speed },
    });
  }

  fail(error: Partial<UploadErrorInfo> & Pick<UploadErrorInfo, 'code'>): void {
    const info: UploadErrorInfo = { message: `${error.code} happened`, retryable: true, ...error };
    this.update({ state: 'failed', error: info });
    this.#listeners.emit('error', info, this.snapshot());
  }

  finish(result: Partial<UploadResult> = {}): UploadResult {
    const full: UploadResult = { key: `uploads/${this.file.name}`, etag: '"etag"', crc64: '123', size: this.file.size, ...result };
    this.update({
      state: 'done',
      key: full.key,
      result: full,
      progress: { bytesUploaded: this.file.size, bytesTotal: this.file.size, fraction: 1, speed: 0, eta: 0 },
    });
    this.#listeners.emit('done', full, this.snapshot());
    return full;
  }
}

export class FakeUploader implements Uploader {
  readonly added: FakeUpload[] = [];
  readonly discarded: string[] = [];
  /** Ids passed to resumeUnfinished, in order. */
  readonly resumedUnfinished: string[] = [];
  /** resumeUnfinished(id) rejects with an UploadError-shaped error of this info when set. */
  readonly resumeFailures = new Map<string, UploadErrorInfo>();
  destroyed = false;
  readonly #listeners = new Listeners<UploaderEvents>();
  #unfinished: UnfinishedUpload[];
  #resumable: boolean;

  constructor(options: { unfinished?: UnfinishedUpload[]; resumable?: boolean } = {}) {
    this.#unfinished = options.unfinished ?? [];
    this.#resumable = options.resumable ?? true;
  }

  get resumable(): boolean {
    return this.#resumable;
  }

  get listenerCount(): number {
    return this.#listeners.count + this.added.reduce((sum, upload) => sum + upload.listenerCount, 0);
  }

  add(file: File, options: AddOptions = {}): FakeUpload {
    const upload = new FakeUpload(this, `upload-${this.added.length + 1}`, file, options);
    this.added.push(upload);
    this.#listeners.emit('added', upload);
    return upload;
  }

  uploads(): Upload[] {
    return [...this.added];
  }

  on<E extends keyof UploaderEvents>(event: E, listener: UploaderEvents[E]): () => void {
    return this.#listeners.on(event, listener);
  }

  /** Like the engine's; this fake hears of every upload at each change. */
  onUpdate(listener: (changed: UploadSnapshot[]) => void): () => void {
    return this.#listeners.on('change', listener);
  }

  emitChange(): void {
    this.#listeners.emit('change', this.added.map((upload) => upload.snapshot()));
  }

  async listUnfinished(): Promise<UnfinishedUpload[]> {
    return structuredClone(this.#unfinished);
  }

  /** Like the engine: continues the unfinished upload as a new Upload, or rejects with `{ info }`. */
  async resumeUnfinished(id: string): Promise<FakeUpload> {
    this.resumedUnfinished.push(id);
    const failure = this.resumeFailures.get(id);
    if (failure) throw Object.assign(new Error(failure.message), { name: 'UploadError', info: failure });
    const item = this.#unfinished.find((entry) => entry.id === id);
    if (!item) throw new Error(`no unfinished upload ${id}`);
    this.#unfinished = this.#unfinished.filter((entry) => entry.id !== id);
    const upload = this.add(new File([new Uint8Array(item.size)], item.name), {});
    upload.update({ key: item.key, resumed: true });
    return upload;
  }

  async discardUnfinished(id: string): Promise<void> {
    this.discarded.push(id);
    this.#unfinished = this.#unfinished.filter((item) => item.id !== id);
  }

  destroy(): void {
    this.destroyed = true;
  }
}

export function unfinishedUpload(overrides: Partial<UnfinishedUpload> = {}): UnfinishedUpload {
  return {
    id: 'cp-1',
    name: 'movie.mp4',
    size: 64 * 1024 * 1024,
    bytesDone: 16 * 1024 * 1024,
    key: 'uploads/movie.mp4',
    createdAt: Date.now() - 5 * 60_000,
    updatedAt: Date.now() - 60_000,
    ...overrides,
  };
}

/** A file of `size` bytes (content irrelevant to the UI). */
export function fileOf(name: string, size = 1024, type = 'application/octet-stream'): File {
  return new File([new Uint8Array(size)], name, { type, lastModified: 1_700_000_000_000 });
}
