import { abortError } from './abort';

/** A queue filled by one task and drained by one other: `next()` waits for an item or for `close()`. */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;

  push(item: T): void {
    this.#items.push(item);
    this.#wake();
  }

  /** No more items will come; `next()` then resolves `undefined` once the queue is empty. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** The next item, or `undefined` when closed and empty; rejects with an AbortError on abort. */
  async next(signal: AbortSignal): Promise<T | undefined> {
    for (;;) {
      if (signal.aborted) throw abortError();
      if (this.#items.length > 0) return this.#items.shift();
      if (this.#closed) return undefined;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(abortError());
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiter = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      });
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
