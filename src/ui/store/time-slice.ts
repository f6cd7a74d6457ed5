/**
 * Keeps a long loop (thousands of files handed to the engine) from becoming one long task: the
 * caller asks `due()` between items and awaits `pause()` when it says so, which gives the page a
 * task boundary to paint and handle input. 8 ms leaves room within the 50 ms long-task budget for
 * the rendering that follows.
 */
const SLICE_MS = 8;

export interface TimeSlicer {
  /** True once the current slice has used its time. */
  due(): boolean;
  /** Yields to the page, then starts a new slice. */
  pause(): Promise<void>;
}

export function createTimeSlicer(now: () => number = () => performance.now()): TimeSlicer {
  let sliceStart = now();
  return {
    due: () => now() - sliceStart >= SLICE_MS,
    async pause() {
      await nextTask();
      sliceStart = now();
    },
  };
}

interface SchedulerWithYield {
  yield(): Promise<void>;
}

/** A new task: `scheduler.yield()` where there is one (resumes ahead of other tasks), else a message. */
function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<SchedulerWithYield> }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
