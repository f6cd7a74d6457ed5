import { describe, expect, it } from 'vitest';
import type OSS from 'ali-oss';
import { authenticate } from '../../../../src/server/local-oss/auth';
import { v1StringToSign } from '../../../../src/server/local-oss/auth/v1';
import { ROOT_ID, ROOT_SECRET, capture, capturedToAuthRequest, capturingClient, errorOf, makeContext, toAuthRequest } from './support';

/**
 * Node hands header bytes to the server as latin1 text; ali-oss with `headerEncoding: 'latin1'`
 * sends non-ASCII metadata as its UTF-8 bytes and signs those bytes (V1 and V4). The server must
 * sign the bytes that arrived, not their latin1 text re-encoded as UTF-8.
 */
const ctx = makeContext();
const CHINESE = '阿达的大多';
// U+4E20 is E4 B8 A0 in UTF-8: its last byte read as latin1 is U+00A0, which String.prototype.trim drops.
const ENDS_IN_A0 = '开头 丠';
const onTheWire = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe.each([
  ['V1', false],
  ['V4', true],
])('%s header signatures over non-ASCII metadata (ali-oss headerEncoding latin1)', (_mode, authorizationV4) => {
  const client = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, authorizationV4, headerEncoding: 'latin1' });

  it.each<[string, (c: OSS) => Promise<unknown>]>([
    ['put', (c) => c.put('users/42/阿达.txt', Buffer.from('123'), { meta: { a: CHINESE } as unknown as OSS.UserMeta })],
    ['initMultipartUpload', (c) => c.initMultipartUpload('users/42/video.mp4', { meta: { a: CHINESE, b: 'plain' } } as never)],
  ])('accepts %s', async (_name, call) => {
    const sent = await capture(client, call);
    expect(sent.headers['x-oss-meta-a']).toBe(onTheWire(CHINESE));
    expect(authenticate(capturedToAuthRequest(sent), ctx).kind).toBe('root');
  });

  it('still rejects a changed byte, and shows the bytes it signed', async () => {
    const req = capturedToAuthRequest(await capture(client, (c) => c.put('a.txt', Buffer.from('1'), { meta: { a: CHINESE } as unknown as OSS.UserMeta })));
    req.headers['x-oss-meta-a'] = onTheWire('阿达的大少');
    const error = errorOf(() => authenticate(req, ctx));
    expect(error.code).toBe('SignatureDoesNotMatch');
    // The string to sign reads back as the metadata text, not as mojibake.
    if (!authorizationV4) {
      expect(error.extra.StringToSign).toContain('x-oss-meta-a:阿达的大少');
      expect(error.extra.StringToSignBytes).toContain('e9 98 bf e8 be be');
    } else {
      expect(error.extra.CanonicalRequest).toContain('x-oss-meta-a:阿达的大少');
    }
  });
});

it('V4: keeps a value whose last UTF-8 byte is 0xA0 (only spaces and tabs are trimmed)', async () => {
  const client = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, authorizationV4: true, headerEncoding: 'latin1' });
  const sent = await capture(client, (c) => c.put('a.txt', Buffer.from('1'), { meta: { a: ENDS_IN_A0 } as unknown as OSS.UserMeta }));
  expect(sent.headers['x-oss-meta-a']?.endsWith('\u00a0')).toBe(true);
  expect(authenticate(capturedToAuthRequest(sent), ctx).kind).toBe('root');
});

it('V1 signs a header byte that is not UTF-8 as that byte', () => {
  const req = toAuthRequest('PUT', 'http://localhost/examplebucket/a.txt', { 'x-oss-meta-a': 'caf\u00e9', 'x-oss-date': 'Tue, 14 Nov 2023 22:13:20 GMT' });
  const bytes = v1StringToSign(req, 'Tue, 14 Nov 2023 22:13:20 GMT');
  expect(bytes.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))).toBe(true);
});

describe('presigned URLs signing non-ASCII metadata (sent as UTF-8 bytes)', () => {
  const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET });

  it('V1 signatureUrl', () => {
    const url = client.signatureUrl('users/42/阿达.txt', { method: 'PUT', 'x-oss-meta-a': CHINESE } as OSS.SignatureUrlOptions);
    expect(authenticate(toAuthRequest('PUT', url, { 'x-oss-meta-a': onTheWire(CHINESE) }), ctx).kind).toBe('root');
    expect(errorOf(() => authenticate(toAuthRequest('PUT', url, { 'x-oss-meta-a': onTheWire('阿达') }), ctx)).code).toBe('SignatureDoesNotMatch');
  });

  it('V4 signatureUrlV4', async () => {
    const url = await client.signatureUrlV4('PUT', 600, { headers: { 'x-oss-meta-a': CHINESE } }, 'users/42/阿达.txt');
    expect(authenticate(toAuthRequest('PUT', url, { 'x-oss-meta-a': onTheWire(CHINESE) }), ctx).kind).toBe('root');
    expect(errorOf(() => authenticate(toAuthRequest('PUT', url, { 'x-oss-meta-a': onTheWire('阿达') }), ctx)).code).toBe('SignatureDoesNotMatch');
  });
});
