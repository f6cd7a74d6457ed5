export interface RequestCounts {
  seen: number;
  /** Sent to the target whole. */
  forwarded: number;
  /** Cut off mid-body. */
  dropped: number;
  /** Answered with an injected error. */
  errored: number;
  stalled: number;
}

export type Outcome = Exclude<keyof RequestCounts, 'seen'>;

export interface ProxyStats extends RequestCounts {
  /** Connections closed on arrival while `down`. */
  refusedConnections: number;
  /** Keyed by upper-case method, e.g. `PUT`. */
  byMethod: Record<string, RequestCounts>;
}

const zero = (): RequestCounts => ({ seen: 0, forwarded: 0, dropped: 0, errored: 0, stalled: 0 });

export class StatsCounter {
  readonly #total = zero();
  readonly #byMethod = new Map<string, RequestCounts>();
  #refusedConnections = 0;

  count(method: string, what: keyof RequestCounts): void {
    this.#total[what]++;
    let counts = this.#byMethod.get(method);
    if (counts === undefined) this.#byMethod.set(method, (counts = zero()));
    counts[what]++;
  }

  refused(): void {
    this.#refusedConnections++;
  }

  /** A copy: callers compare snapshots taken at different times. */
  snapshot(): ProxyStats {
    return {
      ...this.#total,
      refusedConnections: this.#refusedConnections,
      byMethod: Object.fromEntries([...this.#byMethod].map(([method, counts]) => [method, { ...counts }])),
    };
  }
}
