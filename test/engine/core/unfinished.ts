/** What an earlier page session leaves behind, for resume tests: an upload on the server and a checkpoint. */
import { planParts } from '../../../src/engine/transfer/part-plan';
import type { Checkpoint, CheckpointStore } from '../../../src/engine/contracts';
import { byteSum, FakeOss, fingerprintOf, KiB, md5Etag, persistentMemoryStore, PREFIX } from './fakes';

export const PART = 100 * KiB;
export const DAY = 24 * 60 * 60 * 1000;

export interface UnfinishedOptions {
  /** Parts the server has. */
  server: number[];
  /** Parts the checkpoint lists. */
  checkpoint: number[];
  oss?: FakeOss;
  store?: CheckpointStore;
  key?: string;
  updatedAt?: number;
  /** Parts stored on the server with a wrong size. */
  wrongSize?: number[];
  /** Whose bytes the server's parts hold (default: `file`), e.g. an older file with the same fingerprint. */
  serverBytes?: File;
}

export async function leaveUnfinished(file: File, opts: UnfinishedOptions): Promise<{ oss: FakeOss; store: CheckpointStore; checkpoint: Checkpoint }> {
  const oss = opts.oss ?? new FakeOss();
  const store = opts.store ?? persistentMemoryStore();
  const plan = planParts(file.size, PART);
  const key = opts.key ?? `${PREFIX}${file.name}`;
  const source = opts.serverBytes ?? file;
  const info = async (n: number): Promise<{ number: number; size: number; crc64: string; etag: string }> => {
    const part = plan.parts[n - 1];
    if (!part) throw new Error(`no part ${n}`);
    const bytes = source.slice(part.start, part.end);
    const size = opts.wrongSize?.includes(n) ? 1 : bytes.size;
    return { number: n, size, crc64: await byteSum(bytes), etag: await md5Etag(bytes) };
  };
  const uploadId = oss.seedUpload(key, await Promise.all(opts.server.map(info)));
  const checkpoint: Checkpoint = {
    id: `cp-${uploadId}`,
    fingerprint: await fingerprintOf(file),
    key,
    bucket: 'examplebucket',
    uploadId,
    name: file.name,
    size: file.size,
    type: file.type,
    lastModified: file.lastModified,
    partSize: PART,
    doneParts: await Promise.all(opts.checkpoint.map(info)),
    createdAt: 1_800_000_000_000 - DAY,
    updatedAt: opts.updatedAt ?? 1_800_000_000_000 - DAY,
  };
  await store.put(checkpoint);
  return { oss, store, checkpoint };
}
