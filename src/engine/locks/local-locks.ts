import type { UploadLocks } from '../contracts';

/** The same, within one uploader only: a queue of waiters per name. */
export function createLocalLocks(): UploadLocks {
  const queues = new Map<string, Array<() => void>>();
  return {
    async acquire(name, { signal, onWait }) {
      signal.throwIfAborted();
      const queue = queues.get(name);
      const release = (): void => {
        const waiting = queues.get(name);
        const next = waiting?.shift();
        if (next) next();
        else queues.delete(name);
      };
      if (!queue) {
        queues.set(name, []);
        return once(release);
      }
      onWait?.();
      await new Promise<void>((resolve, reject) => {
        const turn = (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const index = queue.indexOf(turn);
          if (index >= 0) queue.splice(index, 1);
          reject(signal.reason);
        };
        queue.push(turn);
        signal.addEventListener('abort', onAbort, { once: true });
      });
      return once(release);
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
