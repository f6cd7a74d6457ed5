import { describe, it, expect } from 'vitest';
import { createRateLimiter } from '../../../src/server/token/rate-limit';

describe('createRateLimiter', () => {
  it('allows a burst of perMinute requests, then refuses with the wait until the next token', () => {
    let now = 0;
    const limiter = createRateLimiter({ perMinute: 3, now: () => now });
    expect([limiter.take('k'), limiter.take('k'), limiter.take('k')].every((d) => d.allowed)).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    now += 20_000;
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
  });

  it('keeps separate buckets per key', () => {
    const limiter = createRateLimiter({ perMinute: 1, now: () => 0 });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('does not limit when perMinute is 0', () => {
    const limiter = createRateLimiter({ perMinute: 0, now: () => 0 });
    for (let i = 0; i < 100; i++) expect(limiter.take('k').allowed).toBe(true);
  });

  it('sweeping idle keys never resets a key that is still being limited', () => {
    let now = 0;
    const limiter = createRateLimiter({ perMinute: 1, now: () => now, sweepAbove: 2 });
    limiter.take('idle');
    now = 50_000;
    limiter.take('busy');
    now = 60_000; // 'idle' is full again and may go; 'busy' has a sixth of a token
    limiter.take('third');
    expect(limiter.take('busy')).toEqual({ allowed: false, retryAfterSeconds: 50 });
  });
});
