import { open as openFile, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Written bytes after which the kernel is asked to start putting them on disk. */
const DEFAULT_SYNC_EVERY = 16 * 1024 * 1024;

export interface EagerFlushOptions {
  syncEvery?: number;
  /** For tests: opens the file (default: `fs.promises.open(path, 'w')`). */
  open?: (path: string) => Promise<Pick<FileHandle, 'writev' | 'datasync' | 'sync' | 'close'>>;
}

/**
 * A file write stream that keeps the disk busy while the body is still arriving, and is on disk
 * when it finishes. Every `syncEvery` bytes it starts an `fdatasync` that writes are not held up
 * by, so the flush before the answer has only the tail left. Without it Linux keeps up to a tenth
 * of RAM dirty: a 1 GiB body went to disk only at the final `fsync`, after it had been received and
 * hashed, so receiving and writing ran one after the other instead of side by side.
 */
export class EagerFlushWriteStream extends Writable {
  readonly #path: string;
  readonly #syncEvery: number;
  readonly #open: NonNullable<EagerFlushOptions['open']>;
  #file: Awaited<ReturnType<NonNullable<EagerFlushOptions['open']>>> | undefined;
  #unsynced = 0;
  #syncing: Promise<void> | undefined;
  /** A background sync that failed: the next write or the end reports it. */
  #syncError: unknown;

  constructor(path: string, options: EagerFlushOptions = {}) {
    super({ highWaterMark: 1024 * 1024 });
    this.#path = path;
    this.#syncEvery = options.syncEvery ?? DEFAULT_SYNC_EVERY;
    this.#open = options.open ?? ((p) => openFile(p, 'w'));
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.#open(this.#path).then((file) => {
      this.#file = file;
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writeAll([chunk]).then(() => callback(), callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.#writeAll(chunks.map((c) => c.chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.#syncing;
      this.#throwSyncError();
      await this.#file!.sync();
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const file = this.#file;
    this.#file = undefined;
    // A sync still running holds the descriptor: close after it.
    Promise.resolve(this.#syncing)
      .then(() => file?.close())
      .then(
        () => callback(error),
        (closeError: Error) => callback(error ?? closeError),
      );
  }

  async #writeAll(buffers: Buffer[]): Promise<void> {
    this.#throwSyncError();
    let left = buffers.reduce((sum, b) => sum + b.length, 0);
    let pending = buffers;
    while (left > 0) {
      const { bytesWritten } = await this.#file!.writev(pending);
      left -= bytesWritten;
      this.#unsynced += bytesWritten;
      if (left > 0) pending = remainderAfter(pending, bytesWritten);
    }
    if (this.#unsynced >= this.#syncEvery && this.#syncing === undefined) this.#startSync();
  }

  #startSync(): void {
    this.#unsynced = 0;
    this.#syncing = this.#file!.datasync().then(
      () => {
        this.#syncing = undefined;
      },
      (error: unknown) => {
        this.#syncing = undefined;
        this.#syncError ??= error;
      },
    );
  }

  #throwSyncError(): void {
    if (this.#syncError !== undefined) throw this.#syncError;
  }
}

/** What is left of `buffers` once their first `written` bytes went out (a short write). */
function remainderAfter(buffers: Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}
