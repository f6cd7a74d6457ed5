import { open, type FileHandle } from 'node:fs/promises';

/**
 * Syncs directories after names were created or replaced in them, so those names survive a power
 * loss, with as few fsyncs as that takes when many requests commit at once: an fsync of a directory
 * makes durable every change made to it before the fsync began, so a request that finds one already
 * running waits for the next, and every request that arrives meanwhile shares that next one (group
 * commit). With four uploads committing side by side, most of their directory syncs are shared.
 *
 * Directories named in `keepOpen` (the data and metadata directories, which live as long as the
 * server) keep one open handle until `close()`; others are opened for each sync and closed after it.
 */
export class DirectorySyncs {
  readonly #keepOpen: ReadonlySet<string>;
  readonly #open = new Map<string, Promise<FileHandle>>();
  readonly #syncs = new Map<string, DirectorySync>();
  #closed = false;

  constructor(keepOpen: readonly string[] = []) {
    this.#keepOpen = new Set(keepOpen);
  }

  /** Resolves once an fsync of `dir` that began after this call has finished. */
  sync(dir: string): Promise<void> {
    let entry = this.#syncs.get(dir);
    if (!entry) {
      entry = { running: null, queued: null };
      this.#syncs.set(dir, entry);
    }
    if (entry.queued) return entry.queued;
    if (!entry.running) return this.#start(dir, entry);
    // The running fsync may have begun before the caller's change: the next one covers it.
    const queued = entry.running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      entry.queued = null;
      return this.#start(dir, entry);
    });
    entry.queued = queued;
    return queued;
  }

  /** Closes the handles kept open; syncs still running finish first. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#syncs.values()].flatMap((entry) => [entry.running, entry.queued]));
    const handles = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(handles.map(async (handle) => (await handle).close()));
  }

  #start(dir: string, entry: DirectorySync): Promise<void> {
    const run = this.#syncOnce(dir);
    entry.running = run;
    const settled = (): void => {
      if (entry.running !== run) return;
      entry.running = null;
      if (!entry.queued) this.#syncs.delete(dir);
    };
    run.then(settled, settled);
    return run;
  }

  async #syncOnce(dir: string): Promise<void> {
    if (!this.#keepOpen.has(dir) || this.#closed) {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      return;
    }
    let handle = this.#open.get(dir);
    if (!handle) {
      handle = open(dir, 'r');
      this.#open.set(dir, handle);
      // A failed open is not kept: the next sync tries again.
      handle.catch(() => this.#open.get(dir) === handle && this.#open.delete(dir));
    }
    await (await handle).sync();
  }
}

interface DirectorySync {
  /** The fsync under way, if any. */
  running: Promise<void> | null;
  /** The fsync that starts when the running one ends, shared by everyone who asked meanwhile. */
  queued: Promise<void> | null;
}
