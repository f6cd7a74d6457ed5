import { describe, it, expect } from 'vitest';
import { buildObjectKey, MAX_KEY_BYTES } from '../../../src/engine/oss/object-key';

const bytes = (s: string): number => new TextEncoder().encode(s).length;

describe('buildObjectKey', () => {
  it('puts the name under the prefix', () => {
    expect(buildObjectKey('users/42/', 'holiday.mp4')).toBe('users/42/holiday.mp4');
  });

  it('keeps folders of a relative path', () => {
    expect(buildObjectKey('users/42/', 'trip/day 1/a+b (1).jpg')).toBe('users/42/trip/day 1/a+b (1).jpg');
  });

  it('turns backslashes into slashes', () => {
    expect(buildObjectKey('p/', 'dir\\sub\\f.txt')).toBe('p/dir/sub/f.txt');
  });

  it('cannot climb out of the prefix with ..', () => {
    expect(buildObjectKey('users/42/', '../../43/secret.txt')).toBe('users/42/43/secret.txt');
    expect(buildObjectKey('users/42/', 'a/./../b')).toBe('users/42/a/b');
  });

  it('drops leading and repeated slashes', () => {
    expect(buildObjectKey('users/42/', '//etc//passwd')).toBe('users/42/etc/passwd');
    expect(buildObjectKey('/users/42/', 'x')).toBe('users/42/x');
  });

  it('removes control characters', () => {
    expect(buildObjectKey('p/', 'a\u0000b\nc\u007f.txt')).toBe('p/abc.txt');
  });

  it('drops bidirectional overrides that disguise an extension', () => {
    expect(buildObjectKey('p/', 'invoice\u202Efdp.exe')).toBe('p/invoicefdp.exe');
    expect(buildObjectKey('p/', 'a\u2066b\u2069\u202a.txt')).toBe('p/ab.txt');
  });

  it('names a file that sanitises to nothing', () => {
    expect(buildObjectKey('p/', '../..')).toBe('p/untitled');
  });

  it('shortens a long name to 1023 bytes, keeping the extension and whole characters', () => {
    const key = buildObjectKey('users/42/', `${'é'.repeat(900)}.mp4`);
    expect(bytes(key)).toBeLessThanOrEqual(MAX_KEY_BYTES);
    expect(bytes(key)).toBeGreaterThan(MAX_KEY_BYTES - 2);
    expect(key.startsWith('users/42/é')).toBe(true);
    expect(key.endsWith('é.mp4')).toBe(true);
  });

  it('leaves a key of exactly 1023 bytes alone', () => {
    const name = 'a'.repeat(MAX_KEY_BYTES - bytes('p/'));
    expect(buildObjectKey('p/', name)).toBe(`p/${name}`);
  });
});
