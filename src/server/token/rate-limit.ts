export interface RateLimitOptions {
  /** Requests allowed in a burst, and per minute on average. 0 disables the limit. */
  perMinute: number;
  now: () => number;
  /** Above this many tracked keys, full buckets are forgotten. */
  sweepAbove?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): RateDecision;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** In-memory token bucket per key (a subject or a client IP). One process only, by design. */
export function createRateLimiter({ perMinute, now, sweepAbove = 10_000 }: RateLimitOptions): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;

  function refill(bucket: Bucket, at: number): void {
    bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = at;
  }

  function sweep(at: number): void {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= perMinute) buckets.delete(key);
    }
  }

  return {
    take(key) {
      if (perMinute <= 0) return { allowed: true };
      const at = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= sweepAbove) sweep(at);
        bucket = { tokens: perMinute, updatedAt: at };
        buckets.set(key, bucket);
      }
      refill(bucket, at);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)) };
    },
  };
}
