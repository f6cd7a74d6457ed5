import type { RateLimitStore } from './rate-limit-store';

/**
 * The same token bucket as the in-memory limiter (rate-limit.ts), kept in Redis so that every
 * instance of the token endpoint takes from one bucket. One Lua script per request: read, refill,
 * take and write happen atomically, with Redis's own clock (instances' clocks may disagree). A
 * bucket left alone for a minute is full again, so it expires then.
 *
 * Why not rate-limiter-flexible: its Redis limiters count requests in fixed windows (a burst of
 * twice the rate across a window edge) or need one store per limit; this script is twenty lines and
 * keeps the in-memory default and the shared store answering alike.
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local refill = capacity / 60000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 61000)
if allowed == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) / refill)}
`;

export interface RedisRateLimitStoreOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (REDIS_URL). */
  url: string;
  /** Prepended to every bucket key (default `oss-uploader:rate:`). */
  keyPrefix?: string;
  /** Told once per connection error; the store keeps reconnecting. */
  onError?: (error: Error) => void;
}

/** Connects (rejecting if Redis cannot be reached at start) and returns the shared store. */
export async function createRedisRateLimitStore({ url, keyPrefix = 'oss-uploader:rate:', onError }: RedisRateLimitStoreOptions): Promise<RateLimitStore> {
  // Loaded here, not at start: `redis` is an optional peer, needed only where REDIS_URL is set.
  const { createClient } = await import('redis');
  const client = createClient({
    url,
    // While Redis is away, fail at once (the token app lets the request through) rather than queue.
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) },
  });
  client.on('error', (error: Error) => onError?.(error));
  await client.connect();
  return {
    async take(key, perMinute) {
      if (perMinute <= 0) return { allowed: true };
      const reply = (await client.eval(TAKE, { keys: [`${keyPrefix}${key}`], arguments: [String(perMinute)] })) as [number, number];
      const [allowed, retryAfterMs] = reply;
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(retryAfterMs) / 1000)) };
    },
    async close() {
      if (client.isOpen) await client.quit();
    },
  };
}
