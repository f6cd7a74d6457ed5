import { describe, expect, it } from 'vitest';
import { fingerprintFile, sampleRanges } from '../../src/engine/resume/fingerprint';

const KiB = 1024;

function bytes(size: number, seed = 7): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed) & 0xff;
  return data;
}

function file(data: Uint8Array<ArrayBuffer>, name = 'movie.mp4', lastModified = 1_700_000_000_000, type = 'video/mp4'): File {
  return new File([data], name, { lastModified, type });
}

function withByteChanged(data: Uint8Array<ArrayBuffer>, at: number): Uint8Array<ArrayBuffer> {
  const copy = data.slice();
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

describe('fingerprintFile', () => {
  const size = 1024 * KiB;
  const data = bytes(size);

  it('gives the same versioned fingerprint for the same file, selected twice', async () => {
    const a = await fingerprintFile(file(data));
    const b = await fingerprintFile(file(data.slice()));
    expect(a).toBe(b);
    expect(a).toMatch(/^v1:[0-9a-f]{64}$/);
  });

  it.each([
    ['the first 64 KiB', 10],
    ['the middle 64 KiB', size / 2],
    ['the last 64 KiB', size - 1],
  ])('changes when a byte in %s changes', async (_region, at) => {
    expect(await fingerprintFile(file(withByteChanged(data, at)))).not.toBe(await fingerprintFile(file(data)));
  });

  it('changes with the name, lastModified, type or size', async () => {
    const base = await fingerprintFile(file(data));
    expect(await fingerprintFile(file(data, 'other.mp4'))).not.toBe(base);
    expect(await fingerprintFile(file(data, 'movie.mp4', 1_700_000_000_001))).not.toBe(base);
    expect(await fingerprintFile(file(data, 'movie.mp4', 1_700_000_000_000, 'application/octet-stream'))).not.toBe(base);
    expect(await fingerprintFile(file(data.slice(0, size - 1)))).not.toBe(base);
  });

  it('hashes a small file whole, so any byte counts', async () => {
    const small = bytes(100 * KiB);
    expect(await fingerprintFile(file(withByteChanged(small, 70 * KiB)))).not.toBe(await fingerprintFile(file(small)));
  });

  it('fingerprints an empty file', async () => {
    expect(await fingerprintFile(file(new Uint8Array(0)))).toMatch(/^v1:/);
  });
});

describe('sampleRanges', () => {
  it('samples first, middle and last 64 KiB of a large file', () => {
    expect(sampleRanges(10 * 1024 * KiB)).toEqual([
      [0, 64 * KiB],
      [5 * 1024 * KiB - 32 * KiB, 5 * 1024 * KiB + 32 * KiB],
      [10 * 1024 * KiB - 64 * KiB, 10 * 1024 * KiB],
    ]);
  });
});
