import { describe, expect, it } from 'vitest';
import { callbackVarWithFileName, decodeFileName, encodeFileName, MAX_FILE_NAME_LENGTH } from '../../../src/shared/upload-callback';
import { buildObjectPolicy } from '../../../src/server/token/policy';
import { uploadCallbackHeaders } from '../../../src/server/token/app';
import { attachmentDisposition } from '../../../src/server/uploads/oss-objects';
import { subjectOfKey } from '../../../src/server/uploads/keys';

describe('the file name in x-oss-callback-var', () => {
  it('is base64url of the UTF-8, added to the issued variables; the header stays ASCII', () => {
    const { callbackVar } = uploadCallbackHeaders('http://localhost:5173/api/uploads/callback', 'alice');
    const header = callbackVarWithFileName(callbackVar, 'Résumé & "cv" 简历.pdf');
    expect(header).toMatch(/^[A-Za-z0-9+/=]+$/);
    const vars = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Record<string, string>;
    expect(Object.keys(vars)).toEqual(['x:name']);
    expect(vars['x:name']).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeFileName(vars['x:name']!)).toBe('Résumé & "cv" 简历.pdf');
  });

  it('decoding refuses what encodeFileName never makes', () => {
    expect(decodeFileName('')).toBe('');
    expect(decodeFileName('a b')).toBeNull();
    expect(decodeFileName(Buffer.from([0xff, 0xfe]).toString('base64url'))).toBeNull();
    expect(decodeFileName(encodeFileName('x'.repeat(5000)))).toHaveLength(MAX_FILE_NAME_LENGTH);
  });
});

describe('server-side credentials and links', () => {
  it('name one key, or the prefix when the key cannot be named exactly', () => {
    const exact = buildObjectPolicy({ bucket: 'b-1', prefix: 'uploads/alice/', key: 'uploads/alice/a.txt', actions: ['oss:GetObject'] });
    expect(exact.Statement[0]!.Resource).toEqual(['acs:oss:*:*:b-1/uploads/alice/a.txt']);
    for (const key of ['uploads/alice/a*.txt', `uploads/alice/${'x'.repeat(1000)}`]) {
      expect(buildObjectPolicy({ bucket: 'b-1', prefix: 'uploads/alice/', key, actions: ['oss:GetObject'] }).Statement[0]!.Resource).toEqual(['acs:oss:*:*:b-1/uploads/alice/*']);
    }
    expect(() => buildObjectPolicy({ bucket: 'b-1', prefix: 'uploads/alice/', key: 'uploads/bob/a.txt', actions: ['oss:GetObject'] })).toThrow();
  });

  it('download as an attachment with the exact name (RFC 6266 / 5987)', () => {
    expect(attachmentDisposition('naïve;"x"%.txt')).toBe(`attachment; filename="na_ve__x__.txt"; filename*=UTF-8''na%C3%AFve%3B%22x%22%25.txt`);
    expect(attachmentDisposition("it's (1).txt")).toBe(`attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
  });

  it('the visitor of a key comes from its prefix only', () => {
    expect(subjectOfKey('uploads/', 'uploads/alice/dir/a.txt')).toBe('alice');
    for (const key of ['uploads/alice/', 'uploads/alice', 'other/alice/a', 'uploads/al ice/a', 'uploads/alice/./a', `uploads/alice/${'é'.repeat(600)}`]) {
      expect(subjectOfKey('uploads/', key), key).toBeNull();
    }
  });
});
