import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobStore, type WriteStreamFactory } from './blob-store';
import { BucketStore } from './bucket-store';
import { DirectorySyncs } from './directory-sync';
import { HashPool } from './hash-pool';

export interface StorageOptions {
  /** Replaces `fs.createWriteStream` for incoming bodies (tests use it to simulate a full disk). */
  createWriteStream?: WriteStreamFactory;
  /** Worker threads hashing bodies (see HashPool). */
  hashThreads?: number;
}

/**
 * Everything the server keeps on disk, under one directory:
 *   tmp/               bodies being received and metadata being written; emptied at start
 *   blobs/<uuid>       immutable data files (whole objects or parts)
 *   buckets/<name>/    per-bucket metadata (see BucketStore)
 */
export class Storage {
  readonly blobs: BlobStore;
  readonly #buckets: ReadonlyMap<string, BucketStore>;
  readonly #hashes: HashPool;
  readonly #dirs: DirectorySyncs;

  private constructor(blobs: BlobStore, buckets: ReadonlyMap<string, BucketStore>, hashes: HashPool, dirs: DirectorySyncs) {
    this.blobs = blobs;
    this.#buckets = buckets;
    this.#hashes = hashes;
    this.#dirs = dirs;
  }

  static async open(dataDir: string, bucketNames: readonly string[], options: StorageOptions = {}): Promise<Storage> {
    const tmpDir = join(dataDir, 'tmp');
    const blobDir = join(dataDir, 'blobs');
    // Whatever is in tmp/ belonged to requests that never finished.
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(tmpDir, { recursive: true });
    await mkdir(blobDir, { recursive: true });
    const hashes = new HashPool(options.hashThreads === undefined ? {} : { threads: options.hashThreads });
    // Every stored body and object record ends with a sync of blobs/ or of a bucket's objects/:
    // those keep one handle open, and uploads committing at the same time share each sync.
    const dirs = new DirectorySyncs([blobDir, ...bucketNames.map((name) => BucketStore.objectsDir(join(dataDir, 'buckets', name)))]);
    const blobs = new BlobStore(blobDir, tmpDir, hashes, options.createWriteStream, dirs);
    const buckets = new Map<string, BucketStore>();
    for (const name of bucketNames) {
      buckets.set(name, await BucketStore.open(name, join(dataDir, 'buckets', name), tmpDir, blobs, dirs));
    }
    // Data files that no metadata refers to were received but never committed (crash in between).
    // Buckets that are not configured this time keep their files.
    const referenced = new Set([...buckets.values()].flatMap((bucket) => bucket.referencedBlobs()));
    for (const name of await listDir(join(dataDir, 'buckets'))) {
      if (!buckets.has(name)) {
        const inactive = await BucketStore.open(name, join(dataDir, 'buckets', name), tmpDir, blobs);
        for (const blob of inactive.referencedBlobs()) referenced.add(blob);
      }
    }
    await blobs.sweep(referenced);
    return new Storage(blobs, buckets, hashes, dirs);
  }

  /** Stops the hashing workers and closes the directory handles; call after the server stopped taking requests. */
  async close(): Promise<void> {
    await Promise.all([this.#hashes.close(), this.#dirs.close()]);
  }

  bucket(name: string): BucketStore | undefined {
    return this.#buckets.get(name);
  }
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
