import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

/** Status of an anonymous GET to the given address, or the connection error code. */
function statusVia(host: string, port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: `/${BUCKET}/x`, family: host.includes(':') ? 6 : 4, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function hasIpv6Loopback(): boolean {
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'));
}

describe('listening', () => {
  it('hands out http://localhost:PORT URLs', () => {
    expect(harness.oss.url).toBe(`http://localhost:${harness.oss.port}`);
    expect(harness.oss.stsUrl).toBe(`http://localhost:${harness.oss.stsPort}/`);
    expect(harness.oss.stsPort).not.toBe(harness.oss.port);
  });

  it('answers on IPv4 loopback', async () => {
    expect(await statusVia('127.0.0.1', harness.oss.port)).toBe(403);
  });

  it('answers on IPv6 loopback when the machine has one', async () => {
    expect(await statusVia('::1', harness.oss.port)).toBe(hasIpv6Loopback() ? 403 : 'ECONNREFUSED');
  });

  it('does not answer on other interfaces', async () => {
    const external = Object.values(networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .filter((address) => !address.internal && address.family === 'IPv4');
    for (const address of external) {
      expect(await statusVia(address.address, harness.oss.port)).toBe('ECONNREFUSED');
    }
  });
});
