import { createHash, randomBytes } from 'node:crypto';
import { crc64 } from 'hash-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { HashPool, type HashSession } from '../../../src/server/local-oss/storage/hash-pool';

const pools: HashPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function poolOf(threads: number, workerUrl?: URL): HashPool {
  const pool = new HashPool(workerUrl ? { threads, workerUrl } : { threads });
  pools.push(pool);
  return pool;
}

/** Feeds `bytes` in `chunkSize` pieces, waiting whenever the session asks to. */
async function feed(session: HashSession, bytes: Buffer, chunkSize: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    await session.update(bytes.subarray(offset, offset + chunkSize));
  }
}

async function expected(bytes: Buffer): Promise<{ md5: string; crc64Hex: string }> {
  return { md5: createHash('md5').update(bytes).digest('hex'), crc64Hex: await crc64(bytes) };
}

describe('HashPool', () => {
  it('hashes a body of many batches, fed in odd-sized chunks, exactly as one pass would', async () => {
    const bytes = randomBytes(9 * 1024 * 1024 + 12_345);
    const session = poolOf(1).open();
    await feed(session, bytes, 77_777);
    const digests = await session.digest();
    expect({ md5: digests.md5.toString('hex'), crc64Hex: digests.crc64Hex }).toEqual(await expected(bytes));
  });

  it('matches the published check values for "123456789" and hashes an empty body', async () => {
    const pool = poolOf(1);
    const nine = pool.open();
    await nine.update(Buffer.from('123456789'));
    expect((await nine.digest()).crc64Hex).toBe('995dc9bbdf1939fa');
    const empty = await pool.open().digest();
    expect(empty.md5.toString('hex')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(empty.crc64Hex).toBe('0000000000000000');
  });

  it('keeps interleaved sessions apart, on one worker and across two', async () => {
    for (const threads of [1, 2]) {
      const pool = poolOf(threads);
      const bodies = [randomBytes(3 * 1024 * 1024 + 1), randomBytes(2 * 1024 * 1024 + 7), randomBytes(5000)];
      const sessions = bodies.map(() => pool.open());
      // Round-robin one 64 KiB chunk per session at a time.
      for (let offset = 0; bodies.some((body) => offset < body.length); offset += 65_536) {
        await Promise.all(bodies.map((body, index) => (offset < body.length ? sessions[index]!.update(body.subarray(offset, offset + 65_536)) : undefined)));
      }
      const digests = await Promise.all(sessions.map((session) => session.digest()));
      for (const [index, body] of bodies.entries()) {
        expect({ md5: digests[index]!.md5.toString('hex'), crc64Hex: digests[index]!.crc64Hex }).toEqual(await expected(body));
      }
    }
  });

  it('holds the writer back while the worker is behind, instead of queueing the body in memory', async () => {
    const session = poolOf(1).open();
    const waits = [];
    for (let index = 0; index < 8; index++) waits.push(session.update(Buffer.alloc(1024 * 1024, index)));
    // Four 1 MiB batches may be in flight; the fifth and later updates must wait for acknowledgements.
    expect(waits.slice(0, 3).every((wait) => wait === undefined)).toBe(true);
    expect(waits.slice(4).every((wait) => wait instanceof Promise)).toBe(true);
    await Promise.all(waits);
    await session.digest();
  });

  it('forgets an abandoned session and goes on serving new ones', async () => {
    const pool = poolOf(1);
    const abandoned = pool.open();
    await feed(abandoned, randomBytes(2 * 1024 * 1024), 100_000);
    abandoned.abandon();
    const bytes = randomBytes(1024 * 1024 + 3);
    const next = pool.open();
    await feed(next, bytes, 65_536);
    const digests = await next.digest();
    expect(digests.md5.toString('hex')).toBe((await expected(bytes)).md5);
  });

  it('fails the sessions of a worker that dies, and starts a new worker for the next session', async () => {
    const pool = poolOf(1, new URL('./fixtures/crashing-hash-worker.mjs', import.meta.url));
    const session = pool.open();
    await feed(session, Buffer.alloc(1024 * 1024), 1024 * 1024);
    await expect(session.digest()).rejects.toThrow(/hashing worker exited \(code 3\)/);
    await expect(session.update(Buffer.alloc(1))).rejects.toThrow(/hashing worker exited/);
    // The next session gets a fresh worker (which dies the same way here, proving it was started).
    const next = pool.open();
    await next.update(Buffer.alloc(1024 * 1024));
    await expect(next.digest()).rejects.toThrow(/code 3/);
  });

  it('lets a digest already asked for finish when closed, as a server shutting down answers a body received whole', async () => {
    const pool = poolOf(1);
    const bytes = randomBytes(8 * 1024 * 1024);
    const session = pool.open();
    await feed(session, bytes, 1024 * 1024);
    const digest = session.digest();
    await pool.close();
    const digests = await digest;
    expect({ md5: digests.md5.toString('hex'), crc64Hex: digests.crc64Hex }).toEqual(await expected(bytes));
  });

  it('refuses new sessions once closed, and fails the open ones', async () => {
    const pool = poolOf(1);
    const open = pool.open();
    await open.update(Buffer.from('abc'));
    await pool.close();
    await expect(open.digest()).rejects.toThrow('the hash pool was closed');
    expect(() => pool.open()).toThrow('the hash pool is closed');
  });
});
