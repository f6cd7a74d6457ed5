import { describe, it, expect } from 'vitest';
import type { StsCredentials } from '../../../src/server/token/assume-role';
import { createCredentialCache } from '../../../src/server/token/credential-cache';

const MINUTE = 60_000;

function credentialsExpiringAt(ms: number, serial: number): StsCredentials {
  return { accessKeyId: `STS.${serial}`, accessKeySecret: 's', securityToken: 't', expiration: new Date(ms) };
}

describe('createCredentialCache', () => {
  it('shares one load among concurrent requests for the same subject', async () => {
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = createCredentialCache({
      load: async () => {
        loads += 1;
        await gate;
        return credentialsExpiringAt(60 * MINUTE, loads);
      },
      refreshMarginMs: 5 * MINUTE,
      now: () => 0,
    });
    const pending = Array.from({ length: 10 }, () => cache.get('alice'));
    release();
    const results = await Promise.all(pending);
    expect(loads).toBe(1);
    expect(new Set(results.map((r) => r.accessKeyId))).toEqual(new Set(['STS.1']));
  });

  it('reuses credentials while more than the margin is left, and reloads after', async () => {
    let now = 0;
    let loads = 0;
    const cache = createCredentialCache({
      load: async () => credentialsExpiringAt(now + 60 * MINUTE, ++loads),
      refreshMarginMs: 5 * MINUTE,
      now: () => now,
    });
    expect((await cache.get('alice')).accessKeyId).toBe('STS.1');
    now = 54 * MINUTE; // 6 minutes left
    expect((await cache.get('alice')).accessKeyId).toBe('STS.1');
    now = 56 * MINUTE; // 4 minutes left
    expect((await cache.get('alice')).accessKeyId).toBe('STS.2');
  });

  it('keeps subjects apart', async () => {
    let loads = 0;
    const cache = createCredentialCache({
      load: async () => credentialsExpiringAt(60 * MINUTE, ++loads),
      refreshMarginMs: 5 * MINUTE,
      now: () => 0,
    });
    expect((await cache.get('alice')).accessKeyId).not.toBe((await cache.get('bob')).accessKeyId);
  });

  it('does not cache a failure', async () => {
    let attempts = 0;
    const cache = createCredentialCache({
      load: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('Throttling');
        return credentialsExpiringAt(60 * MINUTE, attempts);
      },
      refreshMarginMs: 5 * MINUTE,
      now: () => 0,
    });
    await expect(cache.get('alice')).rejects.toThrow('Throttling');
    expect((await cache.get('alice')).accessKeyId).toBe('STS.2');
  });
});
