import type { Clock } from '../contracts';

export interface Throttled {
  /** Run now if the interval has passed, else once at the end of it (calls in between merge). */
  (): void;
  /** Run a pending call at once (e.g. before a state change, so the last figures are shown). */
  flush(): void;
  cancel(): void;
}

/** Leading + trailing throttle on an injectable clock, so tests control time. */
export function throttle(fn: () => void, intervalMs: number, clock: Clock): Throttled {
  let lastRun = -Infinity;
  let timer: AbortController | null = null;

  const run = (): void => {
    timer?.abort();
    timer = null;
    lastRun = clock.now();
    fn();
  };

  const throttled = (): void => {
    if (timer) return;
    const wait = lastRun + intervalMs - clock.now();
    if (wait <= 0) {
      run();
      return;
    }
    const pending = new AbortController();
    timer = pending;
    clock.sleep(wait, pending.signal).then(
      () => {
        if (timer === pending) run();
      },
      () => undefined,
    );
  };
  throttled.flush = (): void => {
    if (timer) run();
  };
  throttled.cancel = (): void => {
    timer?.abort();
    timer = null;
  };
  return throttled;
}
