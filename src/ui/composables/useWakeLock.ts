import { onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue';

/** The part of the Screen Wake Lock API this uses. */
interface WakeLockSentinelLike {
  readonly released: boolean;
  release(): Promise<void>;
  addEventListener(type: 'release', listener: () => void): void;
}

export interface WakeLockNavigator {
  wakeLock?: { request(type: 'screen'): Promise<WakeLockSentinelLike> };
}

export interface UseWakeLockOptions {
  /** Injectable for tests; defaults to the page's navigator. */
  navigator?: WakeLockNavigator;
  /** Injectable for tests; defaults to the page's document. */
  document?: Document;
}

export interface UseWakeLockReturn {
  /** The browser has the Screen Wake Lock API. */
  readonly supported: boolean;
  /** A lock is held right now. */
  held(): boolean;
}

/**
 * Keeps the screen on while `active` is true (a phone that dims and locks mid-upload suspends the
 * page), and lets it sleep again when idle. The browser drops the lock whenever the page is hidden,
 * so it is taken again when the page becomes visible while still active. Without the API, or when
 * the browser refuses (battery saver, no user activation yet), nothing happens: uploads go on.
 */
export function useWakeLock(active: MaybeRefOrGetter<boolean>, options: UseWakeLockOptions = {}): UseWakeLockReturn {
  const wakeLock = (options.navigator ?? (globalThis.navigator as WakeLockNavigator | undefined))?.wakeLock;
  const doc = options.document ?? globalThis.document;
  let sentinel: WakeLockSentinelLike | null = null;
  let requesting = false;
  let disposed = false;

  async function acquire(): Promise<void> {
    if (!wakeLock || requesting || (sentinel && !sentinel.released)) return;
    if (doc && doc.visibilityState !== 'visible') return; // only a visible page may hold one
    requesting = true;
    try {
      const lock = await wakeLock.request('screen');
      if (disposed || !toValue(active)) {
        void lock.release().catch(() => undefined);
        return;
      }
      sentinel = lock;
      lock.addEventListener('release', () => {
        if (sentinel === lock) sentinel = null;
      });
    } catch {
      // Refused (hidden page, battery saver, permissions policy): the upload goes on regardless.
    } finally {
      requesting = false;
    }
  }

  function release(): void {
    const lock = sentinel;
    sentinel = null;
    if (lock && !lock.released) void lock.release().catch(() => undefined);
  }

  const onVisibility = (): void => {
    if (doc?.visibilityState === 'visible' && toValue(active)) void acquire();
  };

  if (wakeLock) {
    watch(() => toValue(active), (on) => (on ? void acquire() : release()), { immediate: true });
    doc?.addEventListener('visibilitychange', onVisibility);
    onScopeDispose(() => {
      disposed = true;
      doc?.removeEventListener('visibilitychange', onVisibility);
      release();
    });
  }

  return { supported: Boolean(wakeLock), held: () => sentinel !== null && !sentinel.released };
}
