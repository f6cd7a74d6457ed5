import { describe, it, expect } from 'vitest';
import { DEFAULT_PART_SIZE, GiB, KiB, MAX_OBJECT_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, MiB, planParts } from '../../../src/engine/transfer/part-plan';
import { UploadError } from '../../../src/engine/errors/upload-errors';

function expectContiguous(size: number, plan: ReturnType<typeof planParts>): void {
  let offset = 0;
  const gaps = plan.parts.filter((part, i) => {
    const wrong = part.number !== i + 1 || part.start !== offset;
    offset = part.end;
    return wrong;
  });
  expect(gaps).toEqual([]);
  expect(offset).toBe(size);
}

describe('planParts', () => {
  it('sends an empty file as one PutObject of zero bytes', () => {
    expect(planParts(0)).toEqual({ partSize: DEFAULT_PART_SIZE, single: true, parts: [{ number: 1, start: 0, end: 0 }] });
  });

  it('sends a one-byte file as one PutObject', () => {
    expect(planParts(1)).toEqual({ partSize: DEFAULT_PART_SIZE, single: true, parts: [{ number: 1, start: 0, end: 1 }] });
  });

  it('sends a file of exactly one part size as one PutObject', () => {
    const plan = planParts(DEFAULT_PART_SIZE);
    expect(plan.single).toBe(true);
    expect(plan.parts).toHaveLength(1);
  });

  it('splits one byte over the part size into a full part and a one-byte part', () => {
    const plan = planParts(DEFAULT_PART_SIZE + 1);
    expect(plan.single).toBe(false);
    expect(plan.parts).toEqual([
      { number: 1, start: 0, end: DEFAULT_PART_SIZE },
      { number: 2, start: DEFAULT_PART_SIZE, end: DEFAULT_PART_SIZE + 1 },
    ]);
  });

  it('makes equal parts for an exact multiple of the part size', () => {
    const plan = planParts(3 * DEFAULT_PART_SIZE);
    expect(plan.parts.map((p) => p.end - p.start)).toEqual([DEFAULT_PART_SIZE, DEFAULT_PART_SIZE, DEFAULT_PART_SIZE]);
    expectContiguous(3 * DEFAULT_PART_SIZE, plan);
  });

  it('raises a preferred part size below 100 KiB to the minimum', () => {
    const plan = planParts(250 * KiB, 1000);
    expect(plan.partSize).toBe(MIN_PART_SIZE);
    expect(plan.parts.map((p) => p.end - p.start)).toEqual([100 * KiB, 100 * KiB, 50 * KiB]);
  });

  it('caps a preferred part size above 5 GiB', () => {
    expect(planParts(20 * GiB, 8 * GiB).partSize).toBe(MAX_PART_SIZE);
  });

  it('keeps exactly 10,000 parts at the preferred size', () => {
    const plan = planParts(MAX_PARTS * MIN_PART_SIZE, MIN_PART_SIZE);
    expect(plan.partSize).toBe(MIN_PART_SIZE);
    expect(plan.parts).toHaveLength(MAX_PARTS);
  });

  it('raises the part size once a file would need 10,001 parts', () => {
    const size = MAX_PARTS * MIN_PART_SIZE + 1;
    const plan = planParts(size, MIN_PART_SIZE);
    expect(plan.partSize).toBe(MIN_PART_SIZE + 1);
    expect(plan.parts.length).toBeLessThanOrEqual(MAX_PARTS);
    expectContiguous(size, plan);
  });

  it('accepts the largest object OSS allows, in 10,000 parts of 5 GiB', () => {
    const plan = planParts(MAX_OBJECT_SIZE);
    expect(plan.partSize).toBe(MAX_PART_SIZE);
    expect(plan.parts).toHaveLength(MAX_PARTS);
    expect(plan.parts.at(-1)?.end).toBe(MAX_OBJECT_SIZE);
  });

  it('refuses a file over 10,000 × 5 GiB with TOO_LARGE', () => {
    let caught: unknown;
    try {
      planParts(MAX_OBJECT_SIZE + 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UploadError);
    expect((caught as UploadError).code).toBe('TOO_LARGE');
    expect((caught as UploadError).info.retryable).toBe(false);
  });

  it('rejects a negative size', () => {
    expect(() => planParts(-1)).toThrow(RangeError);
  });
});
