import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type OSS from 'ali-oss';
import { authenticate, type AuthRequest } from '../../../../src/server/local-oss/auth';
import { issueStsCredentials } from '../../../../src/server/local-oss/sts/token';
import {
  ROLE_ARN, ROOT_ID, ROOT_SECRET, TOKEN_SECRET, capture, capturedToAuthRequest, capturingClient, errorOf, makeContext, toAuthRequest,
} from './support';

const ctx = makeContext();
const KEYS = [
  'users/42/hello world+(1).txt',
  'ünïcødé/日本語 文件.mp4',
  "odd/a+b&c%d(e)f!g'h*i~j=k?l#m.bin",
  'users/42/video.mp4',
];
const UPLOAD_ID = '0004B9894A22E5B1888A1E29F823E1A2';

function stsCredentials(overrides: { expiresAt?: number } = {}) {
  const now = Date.now();
  return issueStsCredentials(
    { roleArn: ROLE_ARN, roleSessionName: 'user-42', issuedAt: now, expiresAt: overrides.expiresAt ?? now + 3600_000 },
    TOKEN_SECRET,
  );
}

/** Every operation the uploader uses, as ali-oss issues it. */
const OPERATIONS: Array<[string, (client: OSS, key: string) => Promise<unknown>]> = [
  ['put', (c, key) => c.put(key, Buffer.from('hello'))],
  ['head', (c, key) => c.head(key)],
  ['get with response-* sub-resources', (c, key) =>
    c.get(key, { subres: { 'response-cache-control': 'no-cache', 'response-content-disposition': 'attachment; filename="a b&c.txt"' } } as OSS.GetObjectOptions)],
  ['delete', (c, key) => c.delete(key)],
  ['initMultipartUpload', (c, key) => c.initMultipartUpload(key)],
  ['uploadPart', (c, key) =>
    (c as unknown as { _uploadPart: (...args: unknown[]) => Promise<unknown> })._uploadPart(key, UPLOAD_ID, 3, { stream: Readable.from([Buffer.from('part')]), size: 4 })],
  ['listParts', (c, key) => c.listParts(key, UPLOAD_ID, { 'max-parts': 100, 'part-number-marker': 2, 'encoding-type': 'url' })],
  ['completeMultipartUpload', (c, key) => c.completeMultipartUpload(key, UPLOAD_ID, [{ number: 1, etag: '"ABC"' }])],
  ['abortMultipartUpload', (c, key) => c.abortMultipartUpload(key, UPLOAD_ID)],
  ['list', (c, key) => c.list({ prefix: key, delimiter: '/', 'max-keys': 10 }, {})],
  // In V4, ali-oss signs an empty query value as `marker=` rather than `marker`.
  ['list with an empty marker', (c, key) => c.list({ prefix: key, marker: '' } as unknown as OSS.ListObjectsQuery, {})],
  ['listV2', (c, key) => c.listV2({ prefix: key, 'continuation-token': 'token with space', 'max-keys': '10' }, {})],
  ['listUploads', (c, key) => c.listUploads({ prefix: key, 'max-uploads': 10 }, {})],
];

describe.each([
  ['V1 header', false],
  ['V4 header', true],
])('%s signed by ali-oss', (_mode, authorizationV4) => {
  it.each(OPERATIONS)('accepts %s for every awkward key, with the root key and with STS credentials', async (_name, call) => {
    const sts = stsCredentials();
    const clients = [
      capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, authorizationV4 }),
      capturingClient({ accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken, authorizationV4 }),
    ];
    for (const client of clients) {
      for (const key of KEYS) {
        const req = capturedToAuthRequest(await capture(client, (c) => call(c, key)));
        expect(authenticate(req, ctx).accessKeyId).toBe(client === clients[0] ? ROOT_ID : sts.accessKeyId);
      }
    }
  });

  describe('rejects any tampering', () => {
    const sts = stsCredentials();
    const client = capturingClient({
      accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken, authorizationV4,
    });
    const signedPart = async (): Promise<AuthRequest> =>
      capturedToAuthRequest(
        await capture(client, (c) => (c as unknown as { _uploadPart: (...args: unknown[]) => Promise<unknown> })._uploadPart(
          KEYS[0], UPLOAD_ID, 3, { stream: Readable.from([Buffer.from('part')]), size: 4 }, { headers: { 'x-oss-meta-owner': 'alice' } },
        )),
      );

    it('is accepted untouched (control)', async () => {
      const req = await signedPart();
      expect(authenticate(req, ctx).kind).toBe('sts');
    });

    it.each<[string, (req: AuthRequest) => void]>([
      ['method', (req) => { req.method = 'POST'; }],
      ['key', (req) => { req.key = `${req.key}x`; }],
      ['key case', (req) => { req.key = (req.key ?? '').toUpperCase(); }],
      ['bucket', (req) => { req.bucket = 'otherbucket'; }],
      ['content-type', (req) => { req.headers['content-type'] = 'text/html'; }],
      ['x-oss-meta header', (req) => { req.headers['x-oss-meta-owner'] = 'mallory'; }],
      ['added x-oss header', (req) => { req.headers['x-oss-object-acl'] = 'public-read'; }],
      ['partNumber', (req) => { req.query = req.query.map(([n, v]) => [n, n === 'partNumber' ? '4' : v]); }],
      ['uploadId', (req) => { req.query = req.query.map(([n, v]) => [n, n === 'uploadId' ? `${v}0` : v]); }],
      ['signature', (req) => {
        const auth = req.headers.authorization ?? '';
        const last = auth.at(-2) === 'A' ? 'B' : 'A';
        req.headers.authorization = `${auth.slice(0, -2)}${last}${auth.slice(-1)}`;
      }],
    ])('%s → SignatureDoesNotMatch', async (_what, tamper) => {
      const req = await signedPart();
      tamper(req);
      const error = errorOf(() => authenticate(req, ctx));
      expect(error.code).toBe('SignatureDoesNotMatch');
      expect(error.extra.OSSAccessKeyId).toBe(sts.accessKeyId);
      expect(error.extra.StringToSign).toBeTruthy();
      // The token is shortened in the error body, never echoed whole.
      expect(error.extra.StringToSign).not.toContain(sts.securityToken);
    });

    it('a byte of the security token → InvalidSecurityToken', async () => {
      const req = await signedPart();
      const token = req.headers['x-oss-security-token'] ?? '';
      const i = Math.floor(token.length / 2);
      req.headers['x-oss-security-token'] = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(errorOf(() => authenticate(req, ctx)).code).toBe('InvalidSecurityToken');
    });

    it('the security token of another STS key → AccessKeyIdAndSecurityTokenNotMatch', async () => {
      const req = await signedPart();
      req.headers['x-oss-security-token'] = stsCredentials().securityToken;
      expect(errorOf(() => authenticate(req, ctx)).code).toBe('AccessKeyIdAndSecurityTokenNotMatch');
    });
  });
});

it('V4: accepts query names in the order ali-oss signs them (localeCompare: apple < Zebra, unlike byte order)', async () => {
  const client = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, authorizationV4: true });
  const req = capturedToAuthRequest(await capture(client, (c) => c.get('a.txt', { subres: { Zebra: '1', apple: '2' } } as OSS.GetObjectOptions)));
  expect(authenticate(req, ctx).kind).toBe('root');
});

describe('V1 presigned URLs from signatureUrl', () => {
  it('accepts GET and PUT URLs for awkward keys, with and without STS', () => {
    const sts = stsCredentials();
    const clients = [
      capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET }),
      capturingClient({ accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken }),
    ];
    for (const { client } of clients) {
      for (const key of KEYS) {
        const get = client.signatureUrl(key, { expires: 600, response: { 'content-disposition': 'attachment; filename="x y.txt"' } });
        expect(authenticate(toAuthRequest('GET', get), ctx).kind).toBeDefined();
        const put = client.signatureUrl(key, { method: 'PUT', 'Content-Type': 'video/mp4', subResource: { partNumber: 2, uploadId: UPLOAD_ID } } as OSS.SignatureUrlOptions);
        expect(authenticate(toAuthRequest('PUT', put, { 'content-type': 'video/mp4' }), ctx).kind).toBeDefined();
      }
    }
  });

  it('rejects a changed Content-Type, method, sub-resource or token', () => {
    const sts = stsCredentials();
    const { client } = capturingClient({ accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken });
    const url = client.signatureUrl(KEYS[0] ?? '', { method: 'PUT', 'Content-Type': 'video/mp4', subResource: { partNumber: 2, uploadId: UPLOAD_ID } } as OSS.SignatureUrlOptions);
    expect(errorOf(() => authenticate(toAuthRequest('PUT', url, { 'content-type': 'text/plain' }), ctx)).code).toBe('SignatureDoesNotMatch');
    expect(errorOf(() => authenticate(toAuthRequest('POST', url, { 'content-type': 'video/mp4' }), ctx)).code).toBe('SignatureDoesNotMatch');
    expect(errorOf(() => authenticate(toAuthRequest('PUT', url.replace('partNumber=2', 'partNumber=3'), { 'content-type': 'video/mp4' }), ctx)).code)
      .toBe('SignatureDoesNotMatch');
    const otherToken = encodeURIComponent(stsCredentials().securityToken);
    const swapped = url.replace(/security-token=[^&]*/, `security-token=${otherToken}`);
    expect(errorOf(() => authenticate(toAuthRequest('PUT', swapped, { 'content-type': 'video/mp4' }), ctx)).code)
      .toBe('AccessKeyIdAndSecurityTokenNotMatch');
  });
});

describe('V4 presigned URLs from signatureUrlV4', () => {
  it('accepts GET and PUT URLs for awkward keys, with and without STS', async () => {
    const sts = stsCredentials();
    const clients = [
      capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET }),
      capturingClient({ accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken }),
    ];
    for (const { client } of clients) {
      for (const key of KEYS) {
        const get = await client.signatureUrlV4('GET', 600, {}, key);
        expect(authenticate(toAuthRequest('GET', get), ctx).kind).toBeDefined();
        const put = await client.signatureUrlV4('PUT', 600, { headers: { 'Content-Type': 'video/mp4' }, queries: { partNumber: 2, uploadId: UPLOAD_ID } }, key);
        expect(authenticate(toAuthRequest('PUT', put, { 'content-type': 'video/mp4' }), ctx).kind).toBeDefined();
      }
    }
  });

  it('signs AdditionalHeaders: accepted as sent, rejected when the header changes', async () => {
    const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET });
    const url = await client.signatureUrlV4('GET', 600, { headers: { 'X-Trace': 'abc' } }, 'a.txt', ['X-Trace']);
    expect(new URL(url).searchParams.get('x-oss-additional-headers')).toBe('x-trace');
    expect(authenticate(toAuthRequest('GET', url, { 'x-trace': 'abc' }), ctx).kind).toBe('root');
    expect(errorOf(() => authenticate(toAuthRequest('GET', url, { 'x-trace': 'abd' }), ctx)).code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a changed query value, Content-Type or expiry', async () => {
    const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET });
    const url = await client.signatureUrlV4('PUT', 600, { headers: { 'Content-Type': 'video/mp4' }, queries: { partNumber: 2, uploadId: UPLOAD_ID } }, 'ünïcødé/日本語 文件.mp4');
    const put = (u: string, type = 'video/mp4') => () => authenticate(toAuthRequest('PUT', u, { 'content-type': type }), ctx);
    expect(errorOf(put(url.replace('partNumber=2', 'partNumber=3'))).code).toBe('SignatureDoesNotMatch');
    expect(errorOf(put(url, 'text/plain')).code).toBe('SignatureDoesNotMatch');
    expect(errorOf(put(url.replace('x-oss-expires=600', 'x-oss-expires=6000'))).code).toBe('SignatureDoesNotMatch');
    expect(errorOf(put(`${url}&extra=1`)).code).toBe('SignatureDoesNotMatch');
  });
});
