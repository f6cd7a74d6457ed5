import type { Checkpoint, CheckpointStore } from './types';

/**
 * Checkpoints in a Map, for unit tests and as the fallback when IndexedDB is unavailable. Values
 * are copied in and out, as IndexedDB's structured clone does, so callers never share state with it.
 */
export function createMemoryCheckpointStore(initial: Iterable<Checkpoint> = []): CheckpointStore {
  const records = new Map<string, Checkpoint>();
  for (const checkpoint of initial) records.set(checkpoint.id, structuredClone(checkpoint));

  return {
    persistent: false,
    async get(id) {
      const found = records.get(id);
      return found && structuredClone(found);
    },
    async findByFingerprint(fingerprint) {
      for (const checkpoint of records.values()) {
        if (checkpoint.fingerprint === fingerprint) return structuredClone(checkpoint);
      }
      return undefined;
    },
    async list() {
      return [...records.values()].map((checkpoint) => structuredClone(checkpoint));
    },
    async put(checkpoint) {
      records.set(checkpoint.id, structuredClone(checkpoint));
    },
    async delete(id) {
      records.delete(id);
    },
  };
}
