import { createStore, del, get, set, values, type UseStore } from 'idb-keyval';
import type { Checkpoint, CheckpointStore } from '../contracts';
import { createMemoryCheckpointStore } from './memory-checkpoint-store';

export interface IdbCheckpointStoreOptions {
  dbName?: string;
  storeName?: string;
}

const PROBE_KEY = '\u0000probe';
/** An open blocked by another tab never settles; past this, run without persistence instead of hanging. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Checkpoints in IndexedDB (own database and object store, through idb-keyval), keyed by checkpoint id.
 *
 * Best effort: when IndexedDB cannot be opened or written (private browsing, quota, a blocked
 * database), the store reports `persistent: false` and keeps checkpoints in memory for the rest of
 * the page's life, so uploads still pause and resume but do not survive a reload. No operation throws.
 */
export async function createIdbCheckpointStore(opts: IdbCheckpointStoreOptions = {}): Promise<CheckpointStore> {
  const db = await openStore(opts.dbName ?? 'oss-uploader', opts.storeName ?? 'checkpoints');
  if (!db) return createMemoryCheckpointStore();

  let fallback: CheckpointStore | undefined;

  /** Switches to memory after the first failure, seeded with what IndexedDB still lets us read. */
  async function degrade(): Promise<CheckpointStore> {
    if (!fallback) {
      const readable = await values<unknown>(db!).catch((): unknown[] => []);
      fallback = createMemoryCheckpointStore(readable.filter(isCheckpoint));
    }
    return fallback;
  }

  async function attempt<T>(idbOp: () => Promise<T>, memoryOp: (store: CheckpointStore) => Promise<T>): Promise<T> {
    if (fallback) return memoryOp(fallback);
    try {
      return await idbOp();
    } catch {
      return memoryOp(await degrade());
    }
  }

  const listAll = async (): Promise<Checkpoint[]> => (await values<unknown>(db)).filter(isCheckpoint);

  return {
    get persistent() {
      return fallback === undefined;
    },
    get: (id) =>
      attempt(
        async () => {
          const found = await get<unknown>(id, db);
          return isCheckpoint(found) ? found : undefined;
        },
        (memory) => memory.get(id),
      ),
    findByFingerprint: (fingerprint) =>
      attempt(
        async () => (await listAll()).find((checkpoint) => checkpoint.fingerprint === fingerprint),
        (memory) => memory.findByFingerprint(fingerprint),
      ),
    list: () => attempt(listAll, (memory) => memory.list()),
    put: (checkpoint) =>
      attempt(
        () => set(checkpoint.id, checkpoint, db),
        (memory) => memory.put(checkpoint),
      ),
    delete: (id) =>
      attempt(
        () => del(id, db),
        (memory) => memory.delete(id),
      ),
  };
}

/** Opens the store and proves it can write; undefined when IndexedDB is missing or refuses. */
async function openStore(dbName: string, storeName: string): Promise<UseStore | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  try {
    const db = createStore(dbName, storeName);
    const probe = (async () => {
      await set(PROBE_KEY, 1, db);
      await del(PROBE_KEY, db);
      return true;
    })().catch(() => false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
    });
    const usable = await Promise.race([probe, timeout]).finally(() => clearTimeout(timer));
    return usable ? db : undefined;
  } catch {
    return undefined;
  }
}

/** Guards against records written by another version or tampered with: they are ignored, not trusted. */
function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Record<keyof Checkpoint, unknown>>;
  return (
    typeof c.id === 'string' &&
    typeof c.fingerprint === 'string' &&
    typeof c.key === 'string' &&
    typeof c.uploadId === 'string' &&
    typeof c.size === 'number' &&
    typeof c.partSize === 'number' &&
    Array.isArray(c.doneParts)
  );
}
