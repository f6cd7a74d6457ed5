import { describe, it, expect } from 'vitest';
import { createPartScheduler, type Release } from '../../../src/engine/transfer/part-scheduler';

describe('createPartScheduler', () => {
  it('never has more than `limit` slots out', async () => {
    const scheduler = createPartScheduler(2);
    const signal = new AbortController().signal;
    const granted: Release[] = [];
    const asked = Array.from({ length: 5 }, () => scheduler.acquire(0, signal));
    for (const slot of asked) void slot.then((r) => granted.push(r));
    await Promise.all(asked.slice(0, 2));
    expect(granted).toHaveLength(2);
    granted[0]?.();
    granted[0]?.();
    await asked[2];
    expect(granted).toHaveLength(3);
    expect(scheduler.inFlight).toBe(2);
  });

  it('gives a free slot to the upload with fewest requests in flight, then to the earliest', async () => {
    const scheduler = createPartScheduler(2);
    const signal = new AbortController().signal;
    const first = await scheduler.acquire(0, signal);
    await scheduler.acquire(0, signal);
    const order: number[] = [];
    void scheduler.acquire(0, signal).then(() => order.push(0));
    void scheduler.acquire(2, signal).then(() => order.push(2));
    const fromOne = scheduler.acquire(1, signal);
    void fromOne.then(() => order.push(1));
    first();
    await fromOne;
    // Upload 0 still has one in flight; 1 and 2 have none, and 1 was added first.
    expect(order).toEqual([1]);
  });

  it('withdraws a waiter whose signal aborts', async () => {
    const scheduler = createPartScheduler(1);
    const release = await scheduler.acquire(0, new AbortController().signal);
    const controller = new AbortController();
    const waiting = scheduler.acquire(1, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
    release();
    expect(scheduler.inFlight).toBe(0);
    const next = await scheduler.acquire(2, new AbortController().signal);
    expect(scheduler.inFlight).toBe(1);
    next();
  });
});
