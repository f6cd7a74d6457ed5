import { createRateLimiter, type RateDecision, type RateLimiter } from './rate-limit';

/**
 * Where the token buckets live. Every instance of the token endpoint behind one load balancer must
 * use the same store, or each one grants the full rate: {@link memoryRateLimitStore} (the default)
 * is one process only; `createRedisRateLimitStore` (redis-rate-limit-store.ts) is shared.
 */
export interface RateLimitStore {
  /**
   * Takes one token from bucket `key`, which holds `perMinute` tokens and refills at `perMinute` per
   * minute. Rejects when the store cannot be reached (the token app then lets the request through).
   */
  take(key: string, perMinute: number): Promise<RateDecision>;
  close?(): Promise<void>;
}

/** The in-process token buckets of {@link createRateLimiter}, one set per rate. */
export function memoryRateLimitStore(options: { now: () => number; sweepAbove?: number }): RateLimitStore {
  const byRate = new Map<number, RateLimiter>();
  return {
    take(key, perMinute) {
      let limiter = byRate.get(perMinute);
      if (!limiter) {
        limiter = createRateLimiter({ perMinute, ...options });
        byRate.set(perMinute, limiter);
      }
      return Promise.resolve(limiter.take(key));
    },
  };
}
