import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, failureOf, startHarness, type Harness } from './harness';

let harness: Harness;
const KEY = 'ranges/thousand.bin';
const BODY = bytes(1000, 7);

beforeAll(async () => {
  harness = await startHarness();
  await harness.client().put(KEY, BODY);
});

afterAll(async () => {
  await harness.dispose();
});

/**
 * OSS's two Range behaviours, as help.aliyun.com documents them for a 1000-byte object: by default a
 * range not within the object is ignored (whole object, 200); with `x-oss-range-behavior: standard`
 * the end is clamped (206) and a start past the end is 416 InvalidRange.
 */
describe('Range outside the object', () => {
  it.each(['bytes=500-2000', 'bytes=-2000'])('default: %s → the whole object with 200', async (range) => {
    const got = await harness.client().get(KEY, { headers: { Range: range } });
    expect(got.res.status).toBe(200);
    expect((got.res.headers as Record<string, string>)['content-range']).toBeUndefined();
    expect(Buffer.compare(got.content as Buffer, BODY)).toBe(0);
  });

  it('standard: bytes=500-2000 → bytes 500-999 with 206; bytes=1000-2000 → 416 InvalidRange', async () => {
    const standard = { 'x-oss-range-behavior': 'standard' };
    const got = await harness.client().get(KEY, { headers: { Range: 'bytes=500-2000', ...standard } });
    expect(got.res.status).toBe(206);
    expect(got.res.headers).toMatchObject({ 'content-range': 'bytes 500-999/1000' });
    expect(Buffer.compare(got.content as Buffer, BODY.subarray(500))).toBe(0);
    const error = await failureOf(harness.client().get(KEY, { headers: { Range: 'bytes=1000-2000', ...standard } }));
    expect(error).toMatchObject({ status: 416, code: 'InvalidRange', message: 'The requested range cannot be satisfied.' });
  });
});
