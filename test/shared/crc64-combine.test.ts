import { describe, expect, it } from 'vitest';
import { crc64 } from 'hash-wasm';
import { crc64Combine, crc64Concat } from '../../src/shared/crc64-combine';

async function crcOf(bytes: Uint8Array): Promise<bigint> {
  return BigInt(`0x${await crc64(bytes)}`);
}

/** Deterministic bytes so a failure can be reproduced. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('crc64Combine', () => {
  it('gives the documented value for "hello " + "world"', async () => {
    const combined = crc64Combine(await crcOf(Buffer.from('hello ')), await crcOf(Buffer.from('world')), 5);
    expect(combined.toString()).toBe('5981764153023615706');
  });

  it('matches the CRC of the whole buffer for random splits', async () => {
    const data = pseudoRandomBytes(300_000, 7);
    const whole = await crcOf(data);
    for (let round = 0; round < 20; round++) {
      const cuts = pseudoRandomBytes(4, round + 1).map((byte) => Math.floor((byte / 256) * data.length));
      const bounds = [0, ...[...cuts].sort((a, b) => a - b), data.length];
      const pieces = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const piece = data.subarray(bounds[i]!, bounds[i + 1]!);
        pieces.push({ crc64: await crcOf(piece), size: piece.length });
      }
      expect(crc64Concat(pieces)).toBe(whole);
    }
  });

  it('treats an empty piece as neutral and an empty list as 0', async () => {
    const data = Buffer.from('123456789');
    expect(crc64Concat([{ crc64: 0n, size: 0 }, { crc64: await crcOf(data), size: 9 }]).toString(16)).toBe('995dc9bbdf1939fa');
    expect(crc64Concat([])).toBe(0n);
  });

  it('rejects a negative length', () => {
    expect(() => crc64Combine(1n, 2n, -1)).toThrow(RangeError);
  });
});
