import type { UploadLocks } from '../contracts';

/**
 * One holder at a time per lock name, across the tabs of this browser: Web Locks (`navigator.locks`),
 * which the browser also releases when a page closes or crashes. Where Web Locks are missing (an
 * insecure context such as a LAN address over http, an old browser, Node) the lock holds only
 * within this uploader: other tabs are not kept out.
 */
export function createUploadLocks(scope: { navigator?: { locks?: LockManager } } = globalThis): UploadLocks {
  const manager = scope.navigator?.locks;
  return manager ? { acquire: (name, opts) => acquireWebLock(manager, name, opts) } : createLocalLocks();
}

/** Takes the lock at once when free, else says so (`onWait`) and waits; the lock is held until released. */
async function acquireWebLock(manager: LockManager, name: string, { signal, onWait }: { signal: AbortSignal; onWait?: () => void }): Promise<() => void> {
  signal.throwIfAborted();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const taken = await new Promise<boolean>((resolve, reject) => {
    manager
      .request(name, { ifAvailable: true }, async (lock) => {
        resolve(lock !== null);
        if (lock) await held;
      })
      .catch(reject);
  });
  if (taken) return release;
  onWait?.();
  await new Promise<void>((resolve, reject) => {
    manager
      .request(name, { signal }, async () => {
        resolve();
        await held;
      })
      .catch(reject);
  });
  return release;
}

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
