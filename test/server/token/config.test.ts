import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTokenSettings, resolveCookieSecret, TokenConfigError } from '../../../src/server/token/config';

describe('loadTokenSettings', () => {
  it('has least-surprise defaults', () => {
    expect(loadTokenSettings({})).toEqual({
      durationSeconds: 3600,
      keyPrefix: 'uploads/',
      listUploads: false,
      corsOrigins: [],
      rateLimit: { perSubjectPerMinute: 30, perIpPerMinute: 120 },
      trustProxy: false,
      stsTimeoutMs: 10_000,
    });
  });

  it.each([
    ['60', 900],
    ['1800', 1800],
    ['43200', 3600],
  ])('clamps TOKEN_DURATION_SECONDS=%s to %i', (raw, expected) => {
    expect(loadTokenSettings({ TOKEN_DURATION_SECONDS: raw }).durationSeconds).toBe(expected);
  });

  it('reads every TOKEN_* variable', () => {
    const settings = loadTokenSettings({
      TOKEN_KEY_PREFIX: 'incoming/',
      TOKEN_LIST_UPLOADS: 'true',
      TOKEN_CORS_ORIGINS: 'https://shop.example, http://localhost:5173',
      TOKEN_RATE_PER_SUBJECT: '5',
      TOKEN_RATE_PER_IP: '0',
      TOKEN_TRUST_PROXY: '1',
      TOKEN_STS_TIMEOUT_MS: '2500',
      TOKEN_COOKIE_SECRET: 's'.repeat(32),
    });
    expect(settings).toEqual({
      durationSeconds: 3600,
      keyPrefix: 'incoming/',
      listUploads: true,
      corsOrigins: ['https://shop.example', 'http://localhost:5173'],
      rateLimit: { perSubjectPerMinute: 5, perIpPerMinute: 0 },
      trustProxy: true,
      stsTimeoutMs: 2500,
      cookieSecret: 's'.repeat(32),
    });
  });

  it.each([
    [{ TOKEN_DURATION_SECONDS: 'an hour' }, 'TOKEN_DURATION_SECONDS'],
    [{ TOKEN_RATE_PER_IP: '-1' }, 'TOKEN_RATE_PER_IP'],
    [{ TOKEN_LIST_UPLOADS: 'yes please' }, 'TOKEN_LIST_UPLOADS'],
    [{ TOKEN_CORS_ORIGINS: '*' }, 'TOKEN_CORS_ORIGINS'],
    [{ TOKEN_CORS_ORIGINS: 'https://shop.example/embed' }, 'TOKEN_CORS_ORIGINS'],
    [{ TOKEN_KEY_PREFIX: 'uploads/*/' }, 'TOKEN_KEY_PREFIX'],
    [{ TOKEN_KEY_PREFIX: 'uploads' }, 'TOKEN_KEY_PREFIX'],
    [{ TOKEN_COOKIE_SECRET: 'short' }, 'TOKEN_COOKIE_SECRET'],
  ])('refuses %j with one line naming the variable', (env, name) => {
    let error: unknown;
    try {
      loadTokenSettings(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TokenConfigError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never echoes a rejected cookie secret', () => {
    expect(() => loadTokenSettings({ TOKEN_COOKIE_SECRET: 'tooShortSecret' })).toThrow(/^(?!.*tooShortSecret)/);
  });
});

describe('resolveCookieSecret', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'token-config-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prefers the configured secret', async () => {
    expect(await resolveCookieSecret('c'.repeat(32), dataDir)).toBe('c'.repeat(32));
  });

  it('generates a secret once, keeps it private in the data directory and reuses it', async () => {
    const first = await resolveCookieSecret(undefined, join(dataDir, 'nested'));
    const second = await resolveCookieSecret(undefined, join(dataDir, 'nested'));
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(second).toBe(first);
    const file = join(dataDir, 'nested', 'token-cookie-secret');
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect((await stat(file)).mode & 0o077).toBe(0);
  });
});
