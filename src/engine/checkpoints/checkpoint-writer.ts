import type { Checkpoint, CheckpointStore } from '../contracts';

export interface CheckpointWriter {
  /**
   * Queues `checkpoint` for writing and returns at once. Per checkpoint id, at most one write is in
   * flight and only the newest pending checkpoint is kept, so a burst of finished parts costs two
   * writes, and the last one written is always the last one saved. The writer keeps the object as
   * given: pass one that is not mutated afterwards.
   */
  save(checkpoint: Checkpoint): void;
  /** Resolves when everything saved so far has been written (call on `pagehide`). */
  flush(): Promise<void>;
  /** Drops anything pending for `id`, waits for its write in flight, then deletes it from the store. */
  remove(id: string): Promise<void>;
}

export interface CheckpointWriterOptions {
  /** Called when the store rejects a write; the upload goes on regardless. */
  onError?: (error: unknown, checkpoint: Checkpoint) => void;
}

/** Coalesces checkpoint writes in front of a store, so persisting progress never slows a part. */
export function createCheckpointWriter(store: CheckpointStore, opts: CheckpointWriterOptions = {}): CheckpointWriter {
  const pending = new Map<string, Checkpoint>();
  const writing = new Map<string, Promise<void>>();

  async function drain(id: string): Promise<void> {
    for (let next = pending.get(id); next; next = pending.get(id)) {
      pending.delete(id);
      try {
        await store.put(next);
      } catch (error) {
        opts.onError?.(error, next);
      }
    }
  }

  function startWriting(id: string): void {
    const run = drain(id).finally(() => writing.delete(id));
    writing.set(id, run);
  }

  return {
    save(checkpoint) {
      pending.set(checkpoint.id, checkpoint);
      if (!writing.has(checkpoint.id)) startWriting(checkpoint.id);
    },
    async flush() {
      while (writing.size > 0) await Promise.all(writing.values());
    },
    async remove(id) {
      pending.delete(id);
      await writing.get(id);
      await store.delete(id);
    },
  };
}
