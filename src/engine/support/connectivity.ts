import type { Connectivity } from '../contracts';
import { abortError } from './abort';

/** What connectivity needs from its environment; `globalThis` in a browser. */
export interface ConnectivityEnvironment {
  navigator?: { onLine: boolean };
  addEventListener?: EventTarget['addEventListener'];
  removeEventListener?: EventTarget['removeEventListener'];
}

/**
 * Online state from `navigator.onLine` and the `online` event. Where there is no navigator (Node),
 * it reports online: being unable to tell must never stall an upload.
 */
export function createBrowserConnectivity(env: ConnectivityEnvironment = globalThis as ConnectivityEnvironment): Connectivity {
  const isOnline = (): boolean => env.navigator?.onLine ?? true;

  return {
    isOnline,
    waitForOnline(signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) return Promise.reject(abortError());
      if (isOnline() || !env.addEventListener || !env.removeEventListener) return Promise.resolve();
      const add = env.addEventListener.bind(env);
      const remove = env.removeEventListener.bind(env);
      return new Promise<void>((resolve, reject) => {
        const cleanup = (): void => {
          remove('online', onOnline);
          signal?.removeEventListener('abort', onAbort);
        };
        const onOnline = (): void => {
          cleanup();
          resolve();
        };
        const onAbort = (): void => {
          cleanup();
          reject(abortError());
        };
        add('online', onOnline);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

export const browserConnectivity: Connectivity = createBrowserConnectivity();
