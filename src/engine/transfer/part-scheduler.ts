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

/**
 * Thousands of files may wait at once (a dropped folder), so picking the next waiter must not scan
 * them all: waiters are kept per rank (first come, first served) and the waiting ranks in a sorted
 * array. Only ranks with requests in flight can lose their place, and there are at most `limit` of
 * them, so the pick looks at no more than `limit + 1` ranks.
 */
export function createPartScheduler(limit: number): PartScheduler {
  const slots = Math.max(1, Math.floor(limit));
  const perRank = new Map<number, number>();
  const waiting = new Map<number, Waiter[]>();
  /** Ranks with waiters, ascending. */
  const ranks: number[] = [];
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

  /** The waiting rank that goes next: the first without requests in flight, else the least loaded. */
  const pickRank = (): number | undefined => {
    let best: number | undefined;
    let bestLoad = Infinity;
    for (const rank of ranks) {
      const load = perRank.get(rank) ?? 0;
      if (load === 0) return rank;
      if (load < bestLoad) {
        best = rank;
        bestLoad = load;
      }
    }
    return best;
  };

  const withdraw = (waiter: Waiter): void => {
    const queue = waiting.get(waiter.rank);
    if (!queue) return;
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) forgetRank(waiter.rank);
  };

  const forgetRank = (rank: number): void => {
    waiting.delete(rank);
    const index = lowerBound(ranks, rank);
    if (ranks[index] === rank) ranks.splice(index, 1);
  };

  const dispatch = (): void => {
    while (inFlight < slots) {
      const rank = pickRank();
      if (rank === undefined) return;
      const queue = waiting.get(rank)!;
      const next = queue.shift()!;
      if (queue.length === 0) forgetRank(rank);
      next.grant(take(rank));
    }
  };

  const enqueue = (waiter: Waiter): void => {
    const queue = waiting.get(waiter.rank);
    if (queue) {
      queue.push(waiter);
      return;
    }
    waiting.set(waiter.rank, [waiter]);
    // Ranks mostly arrive in order, so this usually appends.
    const last = ranks[ranks.length - 1];
    if (last === undefined || last < waiter.rank) ranks.push(waiter.rank);
    else ranks.splice(lowerBound(ranks, waiter.rank), 0, waiter.rank);
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
          withdraw(waiter);
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
        enqueue(waiter);
        dispatch();
      });
    },
  };
}

/** Index of the first element not below `value` in an ascending array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
