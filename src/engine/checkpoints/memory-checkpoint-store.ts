import type { Checkpoint, CheckpointStore } from '../contracts';

/**
 * Checkpoints in a Map, for unit tests and as the fallback when IndexedDB is unavailable. Values
 * are copied in and out, as IndexedDB's structured clone does, so callers never share state with it.
 */
export function createMemoryCheckpointStore(initial: Iterable<Checkpoint> = []): CheckpointStore {
  const records = new Map<string, Checkpoint>();
  for (const checkpoint of initial) records.set(checkpoint.id, copyCheckpoint(checkpoint));

  return {
    persistent: false,
    async get(id) {
      const found = records.get(id);
      return found && copyCheckpoint(found);
    },
    async findByFingerprint(fingerprint) {
      for (const checkpoint of records.values()) {
        if (checkpoint.fingerprint === fingerprint) return copyCheckpoint(checkpoint);
      }
      return undefined;
    },
    async list() {
      return [...records.values()].map(copyCheckpoint);
    },
    async put(checkpoint) {
      records.set(checkpoint.id, copyCheckpoint(checkpoint));
    },
    async delete(id) {
      records.delete(id);
    },
  };
}

/**
 * A deep copy whose file handle is the same object: a handle stands for a file on disk, not data,
 * and stand-in handles (tests, other runtimes) need not be structured-cloneable.
 */
function copyCheckpoint(checkpoint: Checkpoint): Checkpoint {
  const { handle, ...data } = checkpoint;
  const copy = structuredClone(data);
  return handle ? { ...copy, handle } : copy;
}
