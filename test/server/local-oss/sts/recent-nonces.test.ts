import { describe, expect, it } from 'vitest';
import { RecentNonces } from '../../../../src/server/local-oss/sts';

describe('RecentNonces', () => {
  it('refuses a nonce seen before, until it expires', () => {
    const nonces = new RecentNonces();
    expect(nonces.claim('a', 0, 100)).toBe(true);
    expect(nonces.claim('a', 99, 200)).toBe(false);
    expect(nonces.claim('b', 99, 200)).toBe(true);
    expect(nonces.claim('a', 100, 200)).toBe(true);
  });

  it('keeps at most its capacity, forgetting the oldest first', () => {
    const nonces = new RecentNonces(2);
    nonces.claim('a', 0, 1000);
    nonces.claim('b', 0, 1000);
    nonces.claim('c', 0, 1000);
    expect(nonces.claim('b', 1, 1000)).toBe(false);
    expect(nonces.claim('c', 1, 1000)).toBe(false);
    expect(nonces.claim('a', 1, 1000)).toBe(true);
  });
});
