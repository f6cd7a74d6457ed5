/**
 * The package's `./server` entry (src/server/package.ts) lists the token endpoint's exports one by one
 * (so that `redis` stays out of it until `createRedisRateLimitStore` is called): nothing that
 * src/server/token/index.ts exports may be missing from it.
 */
import { expect, test } from 'vitest';
import * as token from '../../src/server/token/index';
import * as entry from '../../src/server/package';

test('every export of the token endpoint is exported by the ./server entry', () => {
  const missing = Object.keys(token).filter((name) => !(name in entry));
  expect(missing).toEqual([]);
});

test('the ./server entry adds the Node listener helpers', () => {
  expect(typeof entry.tokenRequestListener).toBe('function');
  expect(typeof entry.serveTokenApp).toBe('function');
});
