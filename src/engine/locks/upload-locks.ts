import type { UploadLocks } from '../contracts';
import { createChannelLocks } from './channel-locks';
import { createLocalLocks } from './local-locks';

/**
 * One holder at a time per lock name, across the tabs of this browser: Web Locks (`navigator.locks`),
 * which the browser also releases when a page closes or crashes. Where Web Locks are missing (an
 * insecure context such as a LAN address over http) the pages ask each other over a
 * BroadcastChannel (`createChannelLocks`). Without either, or outside a page (Node), the lock holds
 * only within this uploader.
 */
export function createUploadLocks(
  scope: { navigator?: { locks?: LockManager }; document?: unknown; BroadcastChannel?: unknown } = globalThis,
): UploadLocks {
  const manager = scope.navigator?.locks;
  if (manager) return { acquire: (name, opts) => acquireWebLock(manager, name, opts) };
  if (scope.document !== undefined && typeof scope.BroadcastChannel === 'function') return createChannelLocks();
  return createLocalLocks();
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
