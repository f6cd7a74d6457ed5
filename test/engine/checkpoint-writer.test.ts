import { describe, expect, it, vi } from 'vitest';
import { createCheckpointWriter } from '../../src/engine/checkpoints/checkpoint-writer';
import { createMemoryCheckpointStore } from '../../src/engine/checkpoints/memory-checkpoint-store';
import type { Checkpoint, CheckpointStore } from '../../src/engine/contracts';
import { deferred, makeCheckpoint } from './fixtures';

/** A store whose writes wait until the test releases them, one by one. */
function gatedStore() {
  const inner = createMemoryCheckpointStore();
  const writes: Array<{ checkpoint: Checkpoint; release: () => void }> = [];
  const store: CheckpointStore = {
    ...inner,
    persistent: false,
    async put(checkpoint) {
      const gate = deferred<void>();
      writes.push({ checkpoint, release: () => gate.resolve() });
      await gate.promise;
      await inner.put(checkpoint);
    },
  };
  return { store, inner, writes };
}

function withParts(n: number, id = 'cp-1'): Checkpoint {
  return makeCheckpoint({ id, doneParts: Array.from({ length: n }, (_, i) => ({ number: i + 1, etag: `"E${i + 1}"`, crc64: `${i + 1}`, size: 1024 })) });
}

describe('createCheckpointWriter', () => {
  it('writes at once when idle', async () => {
    const { store, writes } = gatedStore();
    createCheckpointWriter(store).save(withParts(1));
    expect(writes.map((w) => w.checkpoint.doneParts.length)).toEqual([1]);
  });

  it('coalesces saves made during a write into one write of the newest', async () => {
    const { store, inner, writes } = gatedStore();
    const writer = createCheckpointWriter(store);
    writer.save(withParts(1));
    writer.save(withParts(2));
    writer.save(withParts(3));
    writer.save(withParts(4));
    writes[0]!.release();
    await vi.waitFor(() => expect(writes).toHaveLength(2));
    writes[1]!.release();
    await writer.flush();
    expect(writes.map((w) => w.checkpoint.doneParts.length)).toEqual([1, 4]);
    expect((await inner.get('cp-1'))!.doneParts).toHaveLength(4);
  });

  it('flush waits until the last saved checkpoint is stored', async () => {
    const { store, inner, writes } = gatedStore();
    const writer = createCheckpointWriter(store);
    writer.save(withParts(1));
    writer.save(withParts(2));
    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    writes[0]!.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(flushed).toBe(false);
    writes[1]!.release();
    await flushing;
    expect((await inner.get('cp-1'))!.doneParts).toHaveLength(2);
  });

  it('keeps writes of different uploads independent', async () => {
    const store = createMemoryCheckpointStore();
    const writer = createCheckpointWriter(store);
    writer.save(withParts(1, 'a'));
    writer.save(withParts(2, 'b'));
    await writer.flush();
    expect((await store.list()).map((c) => c.id).sort()).toEqual(['a', 'b']);
  });

  it('never loses the newest checkpoint when a write fails', async () => {
    const inner = createMemoryCheckpointStore();
    const errors: unknown[] = [];
    let failNext = true;
    const flaky: CheckpointStore = {
      ...inner,
      persistent: false,
      async put(checkpoint) {
        await Promise.resolve();
        if (failNext) {
          failNext = false;
          throw new Error('disk full');
        }
        await inner.put(checkpoint);
      },
    };
    const writer = createCheckpointWriter(flaky, { onError: (err) => errors.push(err) });
    writer.save(withParts(1));
    writer.save(withParts(2));
    await writer.flush();
    expect(errors).toHaveLength(1);
    expect((await inner.get('cp-1'))!.doneParts).toHaveLength(2);
  });

  it('remove drops a pending save and deletes after the write in flight, so nothing resurrects it', async () => {
    const { store, inner, writes } = gatedStore();
    const writer = createCheckpointWriter(store);
    writer.save(withParts(1));
    writer.save(withParts(2));
    const removing = writer.remove('cp-1');
    writes[0]!.release();
    await removing;
    await writer.flush();
    expect(writes).toHaveLength(1);
    expect(await inner.get('cp-1')).toBeUndefined();
  });
});
