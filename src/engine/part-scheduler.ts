/** Gives one request slot back; calling it twice is harmless. */
export type Release = () => void;

export interface PartScheduler {
  /**
   * Wait for one of the `limit` request slots shared by all uploads. `rank` is the upload's
   * place in the queue: among waiters, the upload with the fewest requests in flight goes
   * first, ties going to the earlier upload. So uploads start in order, share the link fairly,
   * and a queued upload waits until a slot is free. Rejects if `signal` aborts while waiting.
   */
  acquire(rank: number, signal: AbortSignal): Promise<Release>;
  readonly inFlight: number;
}

interface Waiter {
  rank: number;
  grant: (release: Release) => void;
}

export function createPartScheduler(limit: number): PartScheduler {
  const slots = Math.max(1, Math.floor(limit));
  const perRank = new Map<number, number>();
  let waiters: Waiter[] = [];
  let inFlight = 0;

  const take = (rank: number): Release => {
    inFlight++;
    perRank.set(rank, (perRank.get(rank) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
      const left = (perRank.get(rank) ?? 1) - 1;
      if (left === 0) perRank.delete(rank);
      else perRank.set(rank, left);
      dispatch();
    };
  };

  const dispatch = (): void => {
    while (inFlight < slots && waiters.length > 0) {
      const next = waiters.reduce((best, w) => (isBefore(w, best) ? w : best));
      waiters = waiters.filter((w) => w !== next);
      next.grant(take(next.rank));
    }
  };

  const isBefore = (a: Waiter, b: Waiter): boolean => {
    const loadA = perRank.get(a.rank) ?? 0;
    const loadB = perRank.get(b.rank) ?? 0;
    return loadA !== loadB ? loadA < loadB : a.rank < b.rank;
  };

  return {
    get inFlight() {
      return inFlight;
    },
    acquire(rank, signal) {
      return new Promise<Release>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = (): void => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        };
        const waiter: Waiter = {
          rank,
          grant: (release) => {
            signal.removeEventListener('abort', onAbort);
            resolve(release);
          },
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        dispatch();
      });
    },
  };
}
