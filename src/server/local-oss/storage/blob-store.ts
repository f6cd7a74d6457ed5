import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, PassThrough, Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OssError } from '../errors';
import type { BodyDigests, HashPool, HashSession } from './hash-pool';
import type { DirectorySyncs } from './directory-sync';
import { renameDurably } from './durable-rename';
import { EagerFlushWriteStream } from './eager-flush-write-stream';

/** A body that was received completely and is now an immutable data file. */
export interface ReceivedBlob {
  blob: string;
  size: number;
  /** Upper-case hex MD5, as it appears inside the quotes of an ETag. */
  md5: string;
  /** CRC-64/XZ as an unsigned decimal string, as in `x-oss-hash-crc64ecma`. */
  crc64: string;
}

export interface ReceiveOptions {
  maxBytes: number;
  /** `Content-MD5` header (base64); the body is rejected with InvalidDigest when it differs. */
  expectedMd5Base64?: string;
}

/** A byte range of one data file; an object is a list of these. */
export interface BlobSlice {
  blob: string;
  start: number;
  /** Inclusive. */
  end: number;
}

export type WriteStreamFactory = (path: string) => Writable;

/**
 * Data files, each written once and never modified. A body streams to `tmpDir` through a hashing
 * Transform, is flushed to disk, and is renamed into `blobDir` only after the last byte and every
 * check passed, so an aborted or rejected request leaves no data behind and an answered one survives
 * a power loss. Deletion waits for readers still streaming it.
 */
export class BlobStore {
  readonly #blobDir: string;
  readonly #tmpDir: string;
  readonly #createWriteStream: WriteStreamFactory;
  readonly #hashes: HashPool;
  readonly #dirs: DirectorySyncs | undefined;
  readonly #readers = new Map<string, number>();
  readonly #deleteWhenUnread = new Set<string>();
  /**
   * How many records (objects, parts, copies in progress) use each data file. CopyObject shares
   * the source's files instead of copying bytes, so one file may belong to several objects, in
   * any bucket; a file is removed only when its last user releases it.
   */
  readonly #users = new Map<string, number>();

  constructor(
    blobDir: string,
    tmpDir: string,
    hashes: HashPool,
    createWriteStream: WriteStreamFactory = (path) => new EagerFlushWriteStream(path),
    /** Shares the sync of `blobDir` among bodies stored at the same time (see DirectorySyncs). */
    dirs?: DirectorySyncs,
  ) {
    this.#blobDir = blobDir;
    this.#dirs = dirs;
    this.#hashes = hashes;
    this.#tmpDir = tmpDir;
    this.#createWriteStream = createWriteStream;
  }

  async receive(body: Readable, options: ReceiveOptions): Promise<ReceivedBlob> {
    // The pipeline is attached before any await so that an early client abort is handled by it.
    const hashing = new HashingTransform(options.maxBytes, this.#hashes);
    const blob = randomUUID();
    const tmp = join(this.#tmpDir, `${blob}.part`);
    // The body reaches the pipeline through a guard: a failing disk write destroys the guard, not the
    // client's request, so the server can still answer (507) and the client read it.
    const guard = new PassThrough();
    finished(body, (error) => {
      if (error) guard.destroy(error);
    });
    body.pipe(guard);
    const sink = this.#createWriteStream(tmp);
    try {
      await pipeline(guard, hashing, sink);
      const { md5: md5Bytes, crc64Hex } = hashing.digests();
      if (options.expectedMd5Base64 !== undefined && md5Bytes.toString('base64') !== options.expectedMd5Base64) {
        throw new OssError('InvalidDigest');
      }
      await renameDurably(tmp, this.#path(blob), this.#dirs);
      return {
        blob,
        size: hashing.bytes,
        md5: md5Bytes.toString('hex').toUpperCase(),
        crc64: BigInt(`0x${crc64Hex}`).toString(),
      };
    } catch (error) {
      // A failed pipeline does not wait for the file stream to close, and the stream may still be
      // opening its file: removing it before then would leave the file behind.
      if (!sink.closed) await once(sink, 'close').catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw translateWriteError(error);
    }
  }

  /** Streams the slices one after another, opening each file only when its turn comes. */
  read(slices: readonly BlobSlice[]): Readable {
    const blobs = slices.map((slice) => slice.blob);
    for (const blob of blobs) this.#readers.set(blob, (this.#readers.get(blob) ?? 0) + 1);
    const paths = slices.map((slice) => ({ ...slice, path: this.#path(slice.blob) }));
    const stream = Readable.from(
      (async function* concatenate() {
        for (const slice of paths) {
          if (slice.end < slice.start) continue;
          yield* createReadStream(slice.path, { start: slice.start, end: slice.end });
        }
      })(),
      { objectMode: false },
    );
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const blob of blobs) void this.#releaseReader(blob);
    };
    stream.once('close', release);
    return stream;
  }

  /** One more record uses `blob` (call synchronously with the lookup that found it). */
  retain(blob: string): void {
    this.#users.set(blob, (this.#users.get(blob) ?? 0) + 1);
  }

  /** A record no longer uses `blob`; the file goes when nothing does (a never-retained file at once). */
  async release(blob: string): Promise<void> {
    const left = (this.#users.get(blob) ?? 0) - 1;
    if (left > 0) {
      this.#users.set(blob, left);
      return;
    }
    this.#users.delete(blob);
    await this.delete(blob);
  }

  /** Removes a data file now, or when its last reader finishes. Use `release` for files records share. */
  async delete(blob: string): Promise<void> {
    if ((this.#readers.get(blob) ?? 0) > 0) {
      this.#deleteWhenUnread.add(blob);
      return;
    }
    await unlink(this.#path(blob)).catch(() => undefined);
  }

  /** Deletes every data file not in `referenced` (left by a crash between write and commit). */
  async sweep(referenced: ReadonlySet<string>): Promise<void> {
    for (const name of await readdir(this.#blobDir)) {
      if (!referenced.has(name)) await unlink(join(this.#blobDir, name)).catch(() => undefined);
    }
  }

  async #releaseReader(blob: string): Promise<void> {
    const left = (this.#readers.get(blob) ?? 1) - 1;
    if (left > 0) {
      this.#readers.set(blob, left);
      return;
    }
    this.#readers.delete(blob);
    if (this.#deleteWhenUnread.delete(blob)) await this.delete(blob);
  }

  #path(blob: string): string {
    // Blob names are generated here (UUIDs), never taken from a request, so they cannot escape the directory.
    return join(this.#blobDir, blob);
  }
}

/**
 * Counts, limits and hashes (MD5 and CRC-64, in a HashPool worker) the bytes passing through,
 * without holding them. Exported for the benchmark, which times the same hashing without the server.
 */
export class HashingTransform extends Transform {
  bytes = 0;
  readonly #session: HashSession;
  readonly #maxBytes: number;
  #digests: BodyDigests | undefined;

  constructor(maxBytes: number, pool: HashPool) {
    super();
    this.#maxBytes = maxBytes;
    this.#session = pool.open();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#maxBytes) {
      callback(new OssError('EntityTooLarge'));
      return;
    }
    const waiting = this.#session.update(chunk);
    this.push(chunk);
    if (waiting) waiting.then(() => callback(), callback);
    else callback();
  }

  override _flush(callback: TransformCallback): void {
    this.#session.digest().then((digests) => {
      this.#digests = digests;
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#digests) this.#session.abandon();
    callback(error);
  }

  /** Available once the stream has flushed. */
  digests(): BodyDigests {
    if (!this.#digests) throw new Error('digests() before the body ended');
    return this.#digests;
  }
}

function translateWriteError(error: unknown): unknown {
  if (error instanceof OssError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new OssError('InsufficientStorage', undefined, {}, { cause: error });
  return error;
}
