import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OssError } from '../errors';
import type { BlobStore } from './blob-store';
import type { DirectorySyncs } from './directory-sync';
import { readJson, unlinkIfPresent, writeJsonAtomic } from './json-file';
import { KeyedMutex } from './keyed-mutex';
import type { ObjectRecord, ObjectTags, PartRecord, StoredHeaders, UploadManifest, UploadRecord } from './records';

/**
 * What memory holds of an unfinished upload: its id, key and initiation time (for listings and
 * request checks) and its parts (UploadPart replaces a part by number, ListParts and Complete list
 * them; reading part files per UploadPart would put a disk read on the hot path). Not its headers:
 * Initiate may carry up to 8 KB of user metadata, wanted only when Complete builds the object, so
 * they stay in upload.json and Complete reads them from there. Uploads are not capped in number
 * (OSS does not cap them either); each one holds a directory and a file on disk, and memory holds
 * a small share of that: its key (at most 1023 bytes), id and time, and a few hundred bytes per part.
 */
interface OpenUpload {
  record: UploadRecord;
  parts: Map<number, PartRecord>;
}

/** Builds the completed object from the upload's parts, or throws (InvalidPart, EntityTooSmall, …). */
export type CompleteBuilder = (upload: UploadManifest, parts: ReadonlyMap<number, PartRecord>) => {
  object: ObjectRecord;
  usedParts: ReadonlySet<number>;
};

/**
 * The objects and unfinished uploads of one bucket. Everything is indexed in memory (uploads without
 * their headers, see OpenUpload) and persisted as one JSON file per object, per upload and per part,
 * so concurrent parts of one upload never write the same file. Layout under the bucket directory:
 *   objects/<sha256(key)>.json          ObjectRecord (keys can be any UTF-8; hashing keeps paths safe)
 *   uploads/<uploadId>/upload.json      UploadManifest
 *   uploads/<uploadId>/part-<n>.json    PartRecord
 */
export class BucketStore {
  readonly name: string;
  readonly #dir: string;
  readonly #tmpDir: string;
  readonly #blobs: BlobStore;
  readonly #objects: Map<string, ObjectRecord>;
  readonly #uploads: Map<string, OpenUpload>;
  readonly #locks = new KeyedMutex();
  readonly #dirs: DirectorySyncs | undefined;
  #sortedKeys: string[] | null = null;

  private constructor(
    name: string,
    dir: string,
    tmpDir: string,
    blobs: BlobStore,
    objects: Map<string, ObjectRecord>,
    uploads: Map<string, OpenUpload>,
    dirs: DirectorySyncs | undefined,
  ) {
    this.name = name;
    this.#dirs = dirs;
    this.#dir = dir;
    this.#tmpDir = tmpDir;
    this.#blobs = blobs;
    this.#objects = objects;
    this.#uploads = uploads;
  }

  /** The directory that holds the bucket's object records (one file per key). */
  static objectsDir(dir: string): string {
    return join(dir, 'objects');
  }

  /** `dirs` shares directory syncs among records written at the same time (see DirectorySyncs). */
  static async open(name: string, dir: string, tmpDir: string, blobs: BlobStore, dirs?: DirectorySyncs): Promise<BucketStore> {
    await mkdir(BucketStore.objectsDir(dir), { recursive: true });
    await mkdir(join(dir, 'uploads'), { recursive: true });
    const objects = new Map<string, ObjectRecord>();
    for (const file of await readdir(join(dir, 'objects'))) {
      const record = await readJson<ObjectRecord>(join(dir, 'objects', file));
      objects.set(record.key, record);
    }
    const objectBlobs = new Set([...objects.values()].flatMap((object) => object.segments.map((segment) => segment.blob)));
    const uploads = new Map<string, OpenUpload>();
    for (const uploadId of await readdir(join(dir, 'uploads'))) {
      const upload = await loadUpload(join(dir, 'uploads', uploadId));
      // No upload.json: Initiate never finished. Parts owned by an object: Complete committed the
      // object, then stopped before removing the upload. Either way the upload is gone.
      const completed = upload && [...upload.parts.values()].some((part) => objectBlobs.has(part.blob));
      if (upload && !completed) uploads.set(uploadId, upload);
      else await rm(join(dir, 'uploads', uploadId), { recursive: true, force: true });
    }
    // Each object and part counts as one user of its data files (copies share them, see BlobStore).
    for (const object of objects.values()) for (const segment of object.segments) blobs.retain(segment.blob);
    for (const upload of uploads.values()) for (const part of upload.parts.values()) blobs.retain(part.blob);
    return new BucketStore(name, dir, tmpDir, blobs, objects, uploads, dirs);
  }

  referencedBlobs(): string[] {
    const objectBlobs = [...this.#objects.values()].flatMap((object) => object.segments.map((segment) => segment.blob));
    const partBlobs = [...this.#uploads.values()].flatMap((upload) => [...upload.parts.values()].map((part) => part.blob));
    return [...objectBlobs, ...partBlobs];
  }

  getObject(key: string): ObjectRecord | undefined {
    return this.#objects.get(key);
  }

  /** Keys in UTF-8 byte order, as OSS lists them. */
  sortedKeys(): readonly string[] {
    this.#sortedKeys ??= [...this.#objects.keys()].sort(compareUtf8);
    return this.#sortedKeys;
  }

  async putObject(object: ObjectRecord, options: { forbidOverwrite: boolean }): Promise<void> {
    await this.#locks.run(`object:${object.key}`, async () => {
      const previous = this.#objects.get(object.key);
      if (previous && options.forbidOverwrite) {
        await this.#releaseBlobs(object.segments.map((segment) => segment.blob));
        throw new OssError('FileAlreadyExists');
      }
      await this.#commitObject(object, previous);
    });
  }

  /**
   * CopyObject: `build` makes the target from the source record (or throws: a failed condition);
   * the target shares the source's data files, so no byte is copied. The source's files are held
   * from the moment the source is looked up, so deleting or overwriting the source meanwhile
   * cannot free them. `source` may be another bucket's store (they share one BlobStore).
   */
  async copyObject(source: BucketStore, sourceKey: string, build: (source: ObjectRecord) => ObjectRecord, options: { forbidOverwrite: boolean }): Promise<ObjectRecord> {
    const found = source.getObject(sourceKey);
    if (!found) throw new OssError('NoSuchKey', undefined, { Key: sourceKey });
    const held = found.segments.map((segment) => segment.blob);
    for (const blob of held) this.#blobs.retain(blob);
    try {
      const object = build(found);
      await this.#locks.run(`object:${object.key}`, async () => {
        const previous = this.#objects.get(object.key);
        if (previous && options.forbidOverwrite) throw new OssError('FileAlreadyExists');
        await this.#commitObject(object, previous);
      });
      return object;
    } finally {
      await this.#releaseBlobs(held);
    }
  }

  /** Replaces an object's tags (undefined = none), keeping everything else; NoSuchKey when absent. */
  async setTags(key: string, tags: ObjectTags | undefined): Promise<void> {
    await this.#locks.run(`object:${key}`, async () => {
      const previous = this.#objects.get(key);
      if (!previous) throw new OssError('NoSuchKey', undefined, { Key: key });
      const { tags: _dropped, ...rest } = previous;
      const object: ObjectRecord = tags === undefined || Object.keys(tags).length === 0 ? rest : { ...rest, tags };
      await writeJsonAtomic(this.#objectPath(key), object, this.#tmpDir, this.#dirs);
      this.#objects.set(key, object);
    });
  }

  async deleteObject(key: string): Promise<void> {
    await this.#locks.run(`object:${key}`, async () => {
      const previous = this.#objects.get(key);
      if (!previous) return;
      await unlinkIfPresent(this.#objectPath(key));
      this.#objects.delete(key);
      this.#sortedKeys = null;
      await this.#releaseBlobs(previous.segments.map((segment) => segment.blob));
    });
  }

  async initiateUpload(key: string, headers: StoredHeaders, now: number, tags?: ObjectTags): Promise<UploadRecord> {
    const record: UploadRecord = { uploadId: randomBytes(16).toString('hex').toUpperCase(), key, initiated: now };
    const manifest: UploadManifest = { ...record, headers, ...(tags ? { tags } : {}) };
    const uploadDir = this.#uploadDir(record.uploadId);
    await mkdir(uploadDir, { recursive: true });
    await writeJsonAtomic(join(uploadDir, 'upload.json'), manifest, this.#tmpDir, this.#dirs);
    this.#uploads.set(record.uploadId, { record, parts: new Map() });
    return record;
  }

  /** The upload and a snapshot of its parts; NoSuchUpload when unknown or started for another key. */
  getUpload(uploadId: string, key: string): { record: UploadRecord; parts: ReadonlyMap<number, PartRecord> } {
    const upload = this.#openUpload(uploadId, key);
    return { record: upload.record, parts: new Map(upload.parts) };
  }

  /** NoSuchUpload when unknown or started for another key; nothing copied (UploadPart asks per part). */
  assertUpload(uploadId: string, key: string): void {
    this.#openUpload(uploadId, key);
  }

  sortedUploads(): UploadRecord[] {
    return [...this.#uploads.values()]
      .map((upload) => upload.record)
      .sort((a, b) => compareUtf8(a.key, b.key) || a.initiated - b.initiated || compareUtf8(a.uploadId, b.uploadId));
  }

  /** Makes a received part visible, replacing an earlier part with the same number. */
  async commitPart(uploadId: string, key: string, part: PartRecord): Promise<void> {
    await this.#locks.run(`upload:${uploadId}`, async () => {
      let upload: OpenUpload;
      try {
        upload = this.#openUpload(uploadId, key);
      } catch (error) {
        // Completed or aborted while the body was streaming in.
        await this.#blobs.release(part.blob);
        throw error;
      }
      const previous = upload.parts.get(part.partNumber);
      await writeJsonAtomic(this.#partPath(uploadId, part.partNumber), part, this.#tmpDir, this.#dirs);
      this.#blobs.retain(part.blob);
      upload.parts.set(part.partNumber, part);
      if (previous) await this.#blobs.release(previous.blob);
    });
  }

  async completeUpload(uploadId: string, key: string, build: CompleteBuilder, options: { forbidOverwrite: boolean }): Promise<ObjectRecord> {
    return this.#locks.run(`upload:${uploadId}`, async () => {
      const upload = this.#openUpload(uploadId, key);
      // The headers given at Initiate are needed now only, so only the file holds them.
      const manifest = await readJson<UploadManifest>(join(this.#uploadDir(uploadId), 'upload.json'));
      const { object } = build(manifest, upload.parts);
      await this.#locks.run(`object:${key}`, async () => {
        const previous = this.#objects.get(key);
        if (previous && options.forbidOverwrite) throw new OssError('FileAlreadyExists');
        // The object's manifest is the commit point; the part files now belong to it.
        await this.#commitObject(object, previous);
      });
      await this.#removeUpload(uploadId);
      // The used parts' files are the object's now (it retained them); the others go.
      await this.#releaseBlobs([...upload.parts.values()].map((part) => part.blob));
      return object;
    });
  }

  async abortUpload(uploadId: string, key: string): Promise<void> {
    await this.#locks.run(`upload:${uploadId}`, async () => {
      const upload = this.#openUpload(uploadId, key);
      await this.#removeUpload(uploadId);
      await this.#releaseBlobs([...upload.parts.values()].map((part) => part.blob));
    });
  }

  async #commitObject(object: ObjectRecord, previous: ObjectRecord | undefined): Promise<void> {
    await writeJsonAtomic(this.#objectPath(object.key), object, this.#tmpDir, this.#dirs);
    // Retained before the previous version is released: copying an object onto itself keeps its files.
    for (const segment of object.segments) this.#blobs.retain(segment.blob);
    if (!previous) this.#sortedKeys = null;
    this.#objects.set(object.key, object);
    if (previous) await this.#releaseBlobs(previous.segments.map((segment) => segment.blob));
  }

  async #removeUpload(uploadId: string): Promise<void> {
    this.#uploads.delete(uploadId);
    await rm(this.#uploadDir(uploadId), { recursive: true, force: true });
  }

  #openUpload(uploadId: string, key: string): OpenUpload {
    const upload = this.#uploads.get(uploadId);
    if (!upload || upload.record.key !== key) throw new OssError('NoSuchUpload');
    return upload;
  }

  async #releaseBlobs(blobs: readonly string[]): Promise<void> {
    for (const blob of blobs) await this.#blobs.release(blob);
  }

  #objectPath(key: string): string {
    return join(this.#dir, 'objects', `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  #uploadDir(uploadId: string): string {
    // Only ids this store generated reach here (#openUpload checks the in-memory index first).
    return join(this.#dir, 'uploads', uploadId);
  }

  #partPath(uploadId: string, partNumber: number): string {
    return join(this.#uploadDir(uploadId), `part-${partNumber}.json`);
  }
}

async function loadUpload(uploadDir: string): Promise<OpenUpload | null> {
  const files = await readdir(uploadDir);
  if (!files.includes('upload.json')) return null;
  const manifest = await readJson<UploadManifest>(join(uploadDir, 'upload.json'));
  // A fresh object: nothing of the parsed manifest (its headers) stays referenced.
  const record: UploadRecord = { uploadId: manifest.uploadId, key: manifest.key, initiated: manifest.initiated };
  const parts = new Map<number, PartRecord>();
  for (const file of files) {
    if (!/^part-\d+\.json$/.test(file)) continue;
    const part = await readJson<PartRecord>(join(uploadDir, file));
    parts.set(part.partNumber, part);
  }
  return { record, parts };
}

export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
