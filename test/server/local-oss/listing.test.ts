import { describe, expect, it } from 'vitest';
import { listPage, parseMax } from '../../../src/server/local-oss/operations/listing';
import { parseRange, slicesFor } from '../../../src/server/local-oss/operations/get-object';
import { compareUtf8 } from '../../../src/server/local-oss/storage/bucket-store';
import { OssError } from '../../../src/server/local-oss/errors';

const keys = ['a/1', 'a/2', 'b', 'c/x/1', 'c/y', 'd'].sort(compareUtf8);
const byName = (key: string): string => key;

describe('listPage', () => {
  it('pages through keys after the marker', () => {
    const first = listPage(keys, byName, { prefix: '', delimiter: '', after: '', max: 4 });
    expect(first).toMatchObject({ items: ['a/1', 'a/2', 'b', 'c/x/1'], isTruncated: true, last: 'c/x/1' });
    const second = listPage(keys, byName, { prefix: '', delimiter: '', after: first.last!, max: 4 });
    expect(second).toMatchObject({ items: ['c/y', 'd'], isTruncated: false });
  });

  it('rolls keys into common prefixes that count toward max and are not repeated on the next page', () => {
    const first = listPage(keys, byName, { prefix: '', delimiter: '/', after: '', max: 2 });
    expect(first).toMatchObject({ items: ['b'], commonPrefixes: ['a/'], isTruncated: true, last: 'b' });
    const second = listPage(keys, byName, { prefix: '', delimiter: '/', after: 'a/', max: 10 });
    expect(second.commonPrefixes).toEqual(['c/']);
    expect(second.items).toEqual(['b', 'd']);
  });

  it('keeps only the prefix and stops after it', () => {
    const page = listPage(keys, byName, { prefix: 'c/', delimiter: '/', after: '', max: 10 });
    expect(page).toMatchObject({ items: ['c/y'], commonPrefixes: ['c/x/'], isTruncated: false });
  });

  it('is not truncated when the page ends exactly at the last key', () => {
    expect(listPage(keys, byName, { prefix: '', delimiter: '', after: '', max: keys.length }).isTruncated).toBe(false);
  });

  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 …) in bytes but after it in UTF-16.
    expect(['😀', '～'].sort(compareUtf8)).toEqual(['～', '😀']);
  });
});

describe('parseMax', () => {
  it('defaults, accepts the range and rejects the rest with InvalidArgument', () => {
    expect(parseMax('max-keys', undefined, 100, 1000)).toBe(100);
    expect(parseMax('max-keys', '1000', 100, 1000)).toBe(1000);
    for (const bad of ['0', '1001', '-1', 'x', '1.5']) {
      expect(() => parseMax('max-keys', bad, 100, 1000)).toThrow(OssError);
    }
  });
});

describe('parseRange', () => {
  it('reads the three single-range forms', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual([0, 9]);
    expect(parseRange('bytes=90-', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=-10', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=0-99', 100)).toEqual([0, 99]);
  });

  it('ignores invalid ranges and ranges not within the object, the end included (whole object, as OSS by default)', () => {
    for (const bad of ['bytes=100-', 'bytes=5-1', 'bytes=0-1,3-4', 'items=0-1', 'bytes=-', 'bytes=-0', 'bytes=95-200', 'bytes=0-100', 'bytes=-101']) {
      expect(parseRange(bad, 100), bad).toBeNull();
    }
    expect(parseRange('bytes=0-0', 0)).toBeNull();
  });

  it('with x-oss-range-behavior: standard, clamps the end and answers 416 for a start past the end', () => {
    expect(parseRange('bytes=95-200', 100, true)).toEqual([95, 99]);
    expect(parseRange('bytes=-101', 100, true)).toEqual([0, 99]);
    expect(parseRange('bytes=5-1', 100, true)).toBeNull();
    for (const unsatisfiable of ['bytes=100-', 'bytes=100-200']) {
      expect(() => parseRange(unsatisfiable, 100, true)).toThrow(expect.objectContaining({ code: 'InvalidRange', status: 416 }));
    }
  });
});

describe('slicesFor', () => {
  const object = { segments: [{ blob: 'p1', size: 10 }, { blob: 'p2', size: 10 }, { blob: 'p3', size: 5 }] };

  it('maps a range that crosses part boundaries onto the part files', () => {
    expect(slicesFor(object, 8, 21)).toEqual([
      { blob: 'p1', start: 8, end: 9 },
      { blob: 'p2', start: 0, end: 9 },
      { blob: 'p3', start: 0, end: 1 },
    ]);
  });

  it('touches only the part that holds a range inside it', () => {
    expect(slicesFor(object, 12, 13)).toEqual([{ blob: 'p2', start: 2, end: 3 }]);
  });
});
