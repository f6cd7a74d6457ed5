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

interface SchedulerWithPostTask {
  postTask(callback: () => void, options?: { priority?: 'user-blocking' | 'user-visible' | 'background' }): Promise<void>;
}

/**
 * A new task at the page's ordinary priority: `scheduler.postTask` where there is one, else a
 * message. Not `scheduler.yield()`: its continuation runs ahead of every other queued task, so a
 * selection of thousands of files, listed slice after slice, held back the network answers the first
 * uploads were waiting for (the credentials among them) until the whole list was made: with 2,000
 * files the first request left 1.5 s after the selection. At the same priority the browser runs the
 * oldest task first, so whatever arrived during a slice goes before the next one.
 */
function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<SchedulerWithPostTask> }).scheduler;
  if (typeof scheduler?.postTask === 'function') return scheduler.postTask(() => undefined, { priority: 'user-visible' });
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
