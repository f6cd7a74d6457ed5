import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenApp } from '../../../src/server/token/app';
import type { RateLimitStore } from '../../../src/server/token/rate-limit-store';
import { createRedisRateLimitStore } from '../../../src/server/token/redis-rate-limit-store';
import { CookieJar, recordingLogger, testConfig } from './app-fixtures';
import type { AssumeRole } from '../../../src/server/token/assume-role';

/** Hands out distinct credentials valid for an hour; no STS involved. */
function issuingAssumeRole(): AssumeRole {
  let serial = 0;
  return async () => {
    serial += 1;
    return { accessKeyId: `STS.k${serial}`, accessKeySecret: `s${serial}`, securityToken: `t${serial}`, expiration: new Date(Date.now() + 3_600_000) };
  };
}

// Two token-endpoint instances with one Redis: one limit between them. .ci/run installs redis-server.
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) console.warn('redis-server is not installed (apt-get install redis-server): skipping the shared rate-limit tests');

let redis: ChildProcess | undefined;
let dir: string;
let url: string;
const stores: RateLimitStore[] = [];

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  if (!hasRedis) return;
  dir = await mkdtemp(join(tmpdir(), 'redis-rate-'));
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis!.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  url = `redis://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const store of stores) await store.close?.();
  if (redis && redis.exitCode === null) {
    const exited = new Promise((resolve) => redis!.once('exit', resolve));
    redis.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function instance(perSubjectPerMinute: number, keyPrefix: string): Promise<Hono> {
  const store = await createRedisRateLimitStore({ url, keyPrefix });
  stores.push(store);
  return createTokenApp({
    assumeRole: issuingAssumeRole(),
    config: testConfig({ rateLimit: { perSubjectPerMinute, perIpPerMinute: 0 } }),
    logger: recordingLogger(),
    rateLimitStore: store,
  });
}

describe.skipIf(!hasRedis)('rate limits in Redis', () => {
  it('two token-endpoint instances share one limit per uploader', async () => {
    const [first, second] = [await instance(3, 'shared:'), await instance(3, 'shared:')];
    const jar = new CookieJar();
    const get = async (app: Hono) => {
      const response = await app.request('http://localhost/api/sts', { headers: jar.header() });
      jar.store(response);
      return response;
    };
    expect((await get(first)).status).toBe(200);
    expect((await get(second)).status).toBe(200);
    expect((await get(first)).status).toBe(200);
    // The fourth request within the minute, whichever instance gets it.
    const refused = await get(second);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    expect((await get(first)).status).toBe(429);

    // Another uploader has a bucket of its own.
    const other = new CookieJar();
    const response = await second.request('http://localhost/api/sts', { headers: other.header() });
    expect(response.status).toBe(200);
  });

  it('answers as the in-memory limiter: a burst of perMinute, then a wait of about 60/perMinute seconds', async () => {
    const store = await createRedisRateLimitStore({ url, keyPrefix: 'burst:' });
    stores.push(store);
    const decisions = [];
    for (let i = 0; i < 3; i += 1) decisions.push(await store.take('k', 2));
    expect(decisions.slice(0, 2)).toEqual([{ allowed: true }, { allowed: true }]);
    expect(decisions[2]).toMatchObject({ allowed: false });
    const retry = (decisions[2] as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(30);
  });

  it('lets requests through, and logs, when Redis is away', async () => {
    const store = await createRedisRateLimitStore({ url, keyPrefix: 'away:' });
    await store.close?.();
    const logger = recordingLogger();
    const app = createTokenApp({ assumeRole: issuingAssumeRole(), config: testConfig({ rateLimit: { perSubjectPerMinute: 1, perIpPerMinute: 1 } }), logger, rateLimitStore: store });
    const jar = new CookieJar();
    for (let i = 0; i < 2; i += 1) {
      const response = await app.request('http://localhost/api/sts', { headers: jar.header() });
      jar.store(response);
      expect(response.status).toBe(200);
    }
    expect(logger.lines.some((line) => line.includes('ratelimit.unavailable'))).toBe(true);
  });
});
