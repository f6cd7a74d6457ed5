import { describe, it, expect } from 'vitest';
import { ProgressTracker } from '../../../src/engine/core/progress';
import { throttle } from '../../../src/engine/support/throttle';
import { ManualClock } from './fakes';

describe('ProgressTracker', () => {
  it('adds finished parts and the loaded bytes of parts in flight', () => {
    const tracker = new ProgressTracker(1000, new ManualClock());
    tracker.partDone(1, 300);
    tracker.setLoaded(2, 100);
    tracker.setLoaded(3, 50);
    expect(tracker.snapshot()).toMatchObject({ bytesUploaded: 450, bytesTotal: 1000, fraction: 0.45 });
  });

  it('lets a retried part overwrite its slot instead of counting twice', () => {
    const tracker = new ProgressTracker(1000, new ManualClock());
    tracker.setLoaded(1, 200);
    tracker.dropSlot(1);
    tracker.setLoaded(1, 150);
    expect(tracker.snapshot().bytesUploaded).toBe(150);
    tracker.partDone(1, 300);
    expect(tracker.snapshot().bytesUploaded).toBe(300);
  });

  it('forgets every slot when parts are aborted', () => {
    const tracker = new ProgressTracker(1000, new ManualClock());
    tracker.partDone(1, 300);
    tracker.setLoaded(2, 200);
    tracker.dropAllSlots();
    expect(tracker.snapshot().bytesUploaded).toBe(300);
  });

  it('measures speed over recent history and derives the ETA', () => {
    const clock = new ManualClock();
    const tracker = new ProgressTracker(10_000, clock);
    tracker.setLoaded(1, 0);
    clock.advance(1000);
    tracker.setLoaded(1, 1000);
    clock.advance(1000);
    tracker.setLoaded(1, 2000);
    const p = tracker.snapshot();
    expect(p.speed).toBe(1000);
    expect(p.eta).toBe(8);
  });

  it('counts bytes re-sent by a retry in the speed but not in the progress', () => {
    const clock = new ManualClock();
    const tracker = new ProgressTracker(10_000, clock);
    tracker.setLoaded(1, 0);
    clock.advance(500);
    tracker.setLoaded(1, 500);
    tracker.dropSlot(1);
    clock.advance(500);
    tracker.setLoaded(1, 500);
    const p = tracker.snapshot();
    expect(p.bytesUploaded).toBe(500);
    expect(p.speed).toBe(1000);
  });

  it('reports no speed and an unknown ETA once nothing has moved for a while', () => {
    const clock = new ManualClock();
    const tracker = new ProgressTracker(10_000, clock);
    tracker.setLoaded(1, 0);
    clock.advance(1000);
    tracker.setLoaded(1, 1000);
    clock.advance(60_000);
    expect(tracker.snapshot()).toMatchObject({ speed: 0, eta: null });
  });

  it('shows an empty file as complete only once it is done', () => {
    const tracker = new ProgressTracker(0, new ManualClock());
    expect(tracker.snapshot().fraction).toBe(0);
    tracker.markComplete();
    expect(tracker.snapshot()).toMatchObject({ fraction: 1, bytesUploaded: 0, eta: 0 });
  });
});

describe('throttle', () => {
  it('runs at once, then at most once per interval with the latest call at the end', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const t = throttle(() => runs++, 100, clock);
    t();
    t();
    t();
    expect(runs).toBe(1);
    clock.advance(100);
    await Promise.resolve();
    await Promise.resolve();
    expect(runs).toBe(2);
    clock.advance(500);
    await Promise.resolve();
    expect(runs).toBe(2);
  });

  it('flush runs a pending call now; cancel drops it', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const t = throttle(() => runs++, 100, clock);
    t();
    t();
    t.flush();
    expect(runs).toBe(2);
    clock.advance(10);
    t();
    t.cancel();
    clock.advance(1000);
    await Promise.resolve();
    expect(runs).toBe(2);
  });
});
