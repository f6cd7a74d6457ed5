import type { UploadLocks } from '../contracts';
import { createLocalLocks } from './local-locks';

/** How long a page waits for others to answer before it takes a free lock, in ms. */
const ANSWER_WINDOW_MS = 60;
/** How often a waiting page asks again, so a holder that closed without a word is noticed, in ms. */
const ASK_AGAIN_MS = 1_000;

type Message =
  | { type: 'ask'; name: string; from: string }
  | { type: 'held'; name: string; from: string }
  | { type: 'claim'; name: string; from: string; ticket: number }
  | { type: 'released'; name: string; from: string };

/**
 * Web Locks' stand-in where they are missing (an insecure context, e.g. `http://` on a LAN
 * address) but BroadcastChannel is not: the pages of one origin ask each other who holds a lock.
 * A page takes a free one after a short silence; two claiming at once both hear each other's
 * claim and the higher ticket backs off. A holder announces its release (and releases when its
 * page hides); a waiting page asks again every second, so one whose holder vanished goes on.
 * Within the page, a local queue keeps the same order as Web Locks would.
 */
export function createChannelLocks(channelName = 'oss-uploader:locks'): UploadLocks {
  const me = Math.random().toString(36).slice(2);
  const local = createLocalLocks();
  const held = new Set<string>();
  const listeners = new Set<(message: Message) => void>();
  let channel: BroadcastChannel | null = null;
  let users = 0;

  const post = (message: Message): void => channel?.postMessage(message);
  const open = (): void => {
    if (users++ > 0) return;
    channel = new BroadcastChannel(channelName);
    channel.onmessage = (event: MessageEvent<Message>) => {
      const message = event.data;
      if (message.from === me) return;
      if (message.type === 'ask' && held.has(message.name)) post({ type: 'held', name: message.name, from: me });
      for (const listener of [...listeners]) listener(message);
    };
    globalThis.addEventListener?.('pagehide', releaseAll);
  };
  const close = (): void => {
    if (--users > 0) return;
    globalThis.removeEventListener?.('pagehide', releaseAll);
    channel?.close();
    channel = null;
  };
  function releaseAll(): void {
    for (const name of held) post({ type: 'released', name, from: me });
  }

  /** Resolves true when another page says it holds `name` (or claims it with a lower ticket) within the window. */
  const othersHold = (name: string, ticket: number | null, signal: AbortSignal): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const done = (answer: boolean): void => {
        clearTimeout(timer);
        listeners.delete(listen);
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      const listen = (message: Message): void => {
        if (message.name !== name) return;
        if (message.type === 'held' || (message.type === 'claim' && (ticket === null || message.ticket < ticket))) done(true);
      };
      const onAbort = (): void => {
        done(false);
        reject(signal.reason);
      };
      const timer = setTimeout(() => done(false), ANSWER_WINDOW_MS);
      listeners.add(listen);
      signal.addEventListener('abort', onAbort, { once: true });
      if (ticket === null) post({ type: 'ask', name, from: me });
      else post({ type: 'claim', name, from: me, ticket });
    });

  /** Resolves on the holder's release, or after ASK_AGAIN_MS, whichever comes first. */
  const releasedOrLater = (name: string, signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(listen);
        signal.removeEventListener('abort', onAbort);
      };
      const listen = (message: Message): void => {
        if (message.name === name && message.type === 'released') {
          done();
          resolve();
        }
      };
      const onAbort = (): void => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ASK_AGAIN_MS);
      listeners.add(listen);
      signal.addEventListener('abort', onAbort, { once: true });
    });

  return {
    async acquire(name, { signal, onWait }) {
      let waited = false;
      const wait = (): void => {
        if (!waited) onWait?.();
        waited = true;
      };
      const releaseHere = await local.acquire(name, { signal, onWait: wait });
      open();
      try {
        for (;;) {
          if (!(await othersHold(name, null, signal)) && !(await othersHold(name, Math.random(), signal))) break;
          wait();
          await releasedOrLater(name, signal);
        }
      } catch (error) {
        releaseHere();
        close();
        throw error;
      }
      held.add(name);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(name);
        post({ type: 'released', name, from: me });
        close();
        releaseHere();
      };
    },
  };
}
