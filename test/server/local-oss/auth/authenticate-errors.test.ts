import { describe, expect, it } from 'vitest';
import { authenticate, type AuthRequest } from '../../../../src/server/local-oss/auth';
import { parseIsoBasic } from '../../../../src/server/local-oss/auth/request-time';
import { v1Signature, v1StringToSign } from '../../../../src/server/local-oss/auth/v1';
import { issueStsCredentials } from '../../../../src/server/local-oss/sts/token';
import {
  ROLE_ARN, ROOT_ID, ROOT_SECRET, TOKEN_SECRET, capture, capturedToAuthRequest, capturingClient, errorOf, makeContext, toAuthRequest,
} from './support';

const MIN = 60_000;
const at = (ms: number) => makeContext({ now: () => ms });

async function signedV1(options: { accessKeyId?: string; accessKeySecret?: string; stsToken?: string } = {}): Promise<{ req: AuthRequest; signedAt: number }> {
  const client = capturingClient({ accessKeyId: options.accessKeyId ?? ROOT_ID, accessKeySecret: options.accessKeySecret ?? ROOT_SECRET, ...options });
  const req = capturedToAuthRequest(await capture(client, (c) => c.initMultipartUpload('users/42/video.mp4')));
  return { req, signedAt: Date.parse(req.headers['x-oss-date'] ?? '') };
}

async function signedV4(): Promise<{ req: AuthRequest; signedAt: number }> {
  const client = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, authorizationV4: true });
  const req = capturedToAuthRequest(await capture(client, (c) => c.initMultipartUpload('users/42/video.mp4')));
  return { req, signedAt: parseIsoBasic(req.headers['x-oss-date'] ?? '') ?? NaN };
}

function sts(expiresAt: number, tokenSecret = TOKEN_SECRET) {
  return issueStsCredentials({ roleArn: ROLE_ARN, roleSessionName: 's1', issuedAt: expiresAt - 3600_000, expiresAt }, tokenSecret);
}

describe('request time', () => {
  it.each([
    ['V1', signedV1],
    ['V4', signedV4],
  ])('%s: accepted 14 min off, RequestTimeTooSkewed with a parseable ServerTime 16 min off', async (_v, sign) => {
    const { req, signedAt } = await sign();
    expect(authenticate(req, at(signedAt + 14 * MIN)).kind).toBe('root');
    expect(authenticate(req, at(signedAt - 14 * MIN)).kind).toBe('root');

    const now = signedAt + 16 * MIN;
    const error = errorOf(() => authenticate(req, at(now)));
    expect(error.code).toBe('RequestTimeTooSkewed');
    expect(Date.parse(error.extra.ServerTime ?? '')).toBe(now);
    expect(error.extra.RequestTime).toBe(req.headers['x-oss-date']);
    expect(error.extra.MaxAllowedSkewMilliseconds).toBe('900000');
  });

  it('honours a custom maxSkewMs', async () => {
    const { req, signedAt } = await signedV1();
    expect(errorOf(() => authenticate(req, makeContext({ now: () => signedAt + 2 * MIN, maxSkewMs: MIN }))).code).toBe('RequestTimeTooSkewed');
  });

  it('accepts a client that signs the Date header instead of x-oss-date', () => {
    const date = 'Tue, 14 Nov 2023 22:13:20 GMT';
    const req: AuthRequest = { method: 'GET', bucket: 'examplebucket', key: 'a.txt', query: [], headers: { date } };
    req.headers.authorization = `OSS ${ROOT_ID}:${v1Signature(ROOT_SECRET, v1StringToSign(req, date))}`;
    expect(authenticate(req, at(Date.parse(date))).kind).toBe('root');
  });

  it('refuses a V1 request with neither Date nor x-oss-date', async () => {
    const { req, signedAt } = await signedV1();
    delete req.headers['x-oss-date'];
    expect(errorOf(() => authenticate(req, at(signedAt))).code).toBe('AccessDenied');
  });
});

describe('presigned URL expiry', () => {
  it('V1: valid up to Expires, then AccessDenied "Request has expired." with Expires and ServerTime', () => {
    const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET });
    const url = client.signatureUrl('a.txt', { expires: 600 });
    const expiresMs = Number(new URL(url).searchParams.get('Expires')) * 1000;
    expect(authenticate(toAuthRequest('GET', url), at(expiresMs)).kind).toBe('root');
    const error = errorOf(() => authenticate(toAuthRequest('GET', url), at(expiresMs + 1)));
    expect(error).toMatchObject({ code: 'AccessDenied', message: 'Request has expired.' });
    expect(Date.parse(error.extra.Expires ?? '')).toBe(expiresMs);
    expect(Date.parse(error.extra.ServerTime ?? '')).toBe(expiresMs + 1);
  });

  it('V4: valid for x-oss-expires seconds after x-oss-date, then AccessDenied', async () => {
    const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET });
    const url = await client.signatureUrlV4('GET', 600, {}, 'a.txt');
    const signedAt = parseIsoBasic(new URL(url).searchParams.get('x-oss-date') ?? '') ?? NaN;
    expect(authenticate(toAuthRequest('GET', url), at(signedAt + 600_000)).kind).toBe('root');
    expect(errorOf(() => authenticate(toAuthRequest('GET', url), at(signedAt + 600_001)))).toMatchObject({
      code: 'AccessDenied', message: 'Request has expired.',
    });
    // Signed far in the future: treated like a skewed clock.
    expect(errorOf(() => authenticate(toAuthRequest('GET', url), at(signedAt - 16 * MIN))).code).toBe('RequestTimeTooSkewed');
  });

  it('V4: x-oss-expires outside 1..604800 → InvalidArgument', async () => {
    const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET });
    const url = await client.signatureUrlV4('GET', 604_801, {}, 'a.txt');
    expect(errorOf(() => authenticate(toAuthRequest('GET', url), makeContext())).code).toBe('InvalidArgument');
  });
});

describe('V4 credential region', () => {
  it('accepts the bucket region as ali-oss puts it in the scope (cn-hangzhou for oss-cn-hangzhou)', async () => {
    const { req } = await signedV4();
    expect(req.headers.authorization).toContain('/cn-hangzhou/oss/aliyun_v4_request');
    expect(authenticate(req, makeContext({ region: 'oss-cn-hangzhou' })).kind).toBe('root');
    expect(authenticate(req, makeContext({ region: 'cn-hangzhou' })).kind).toBe('root');
  });

  it('refuses a signature scoped to another region with InvalidArgument naming the credential, as OSS does', async () => {
    const client = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, authorizationV4: true, region: 'oss-cn-beijing' });
    const req = capturedToAuthRequest(await capture(client, (c) => c.initMultipartUpload('users/42/video.mp4')));
    const error = errorOf(() => authenticate(req, makeContext({ region: 'oss-cn-hangzhou' })));
    expect(error).toMatchObject({ code: 'InvalidArgument', message: 'The signing region in credential is invalid.' });
    expect(error.extra).toMatchObject({ ArgumentName: 'x-oss-credential', ArgumentValue: expect.stringMatching(/^[^/]+\/\d{8}\/cn-beijing\/oss\/aliyun_v4_request$/) });
  });

  it('refuses a presigned URL scoped to another region', async () => {
    const { client } = capturingClient({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, region: 'oss-cn-beijing' });
    const url = await client.signatureUrlV4('GET', 600, {}, 'a.txt');
    expect(errorOf(() => authenticate(toAuthRequest('GET', url), makeContext())).code).toBe('InvalidArgument');
  });
});

describe('missing and malformed authentication', () => {
  const plain = (headers: Record<string, string>, query: Array<[string, string]> = []): AuthRequest => ({
    method: 'GET', bucket: 'examplebucket', key: 'a.txt', query, headers: { 'x-oss-date': new Date().toUTCString(), ...headers },
  });

  it('anonymous → AccessDenied', () => {
    expect(errorOf(() => authenticate(plain({}), makeContext())).code).toBe('AccessDenied');
  });

  it.each([
    ['an unknown scheme', 'Bearer abc'],
    ['no AccessKeyId/Signature separator', 'OSS LTAIrootTestKey00'],
    ['an empty signature', 'OSS LTAIrootTestKey00:'],
    ['nothing after the scheme', 'OSS'],
    ['V4 without Signature', 'OSS4-HMAC-SHA256 Credential=ak/20231114/cn-hangzhou/oss/aliyun_v4_request'],
    ['V4 with a malformed Credential', 'OSS4-HMAC-SHA256 Credential=ak/2023/cn-hangzhou,Signature=abc'],
  ])('%s → InvalidArgument', (_what, authorization) => {
    expect(errorOf(() => authenticate(plain({ authorization }), makeContext())).code).toBe('InvalidArgument');
  });

  it('header auth combined with URL auth → InvalidArgument', () => {
    const req = plain({ authorization: `OSS ${ROOT_ID}:abc=` }, [['OSSAccessKeyId', ROOT_ID], ['Signature', 'x'], ['Expires', '9999999999']]);
    expect(errorOf(() => authenticate(req, makeContext())).code).toBe('InvalidArgument');
  });

  it('incomplete presigned parameters → AccessDenied', () => {
    const req = plain({}, [['OSSAccessKeyId', ROOT_ID], ['Signature', 'x']]);
    expect(errorOf(() => authenticate(req, makeContext()))).toMatchObject({
      code: 'AccessDenied', message: 'Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters',
    });
  });

  it('an STS token sent as a header on a V1 presigned URL → InvalidRequest', () => {
    const creds = sts(Date.now() + 3600_000);
    const { client } = capturingClient({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret });
    const req = toAuthRequest('GET', client.signatureUrl('a.txt'), { 'x-oss-security-token': creds.securityToken });
    expect(errorOf(() => authenticate(req, makeContext())).code).toBe('InvalidRequest');
  });
});

describe('access keys and security tokens', () => {
  it('an unknown AccessKeyId → InvalidAccessKeyId naming it', async () => {
    const { req, signedAt } = await signedV1({ accessKeyId: 'LTAIsomeoneElse', accessKeySecret: 'x' });
    expect(errorOf(() => authenticate(req, at(signedAt)))).toMatchObject({ code: 'InvalidAccessKeyId', extra: { OSSAccessKeyId: 'LTAIsomeoneElse' } });
  });

  it('the wrong secret → SignatureDoesNotMatch with the server StringToSign', async () => {
    const { req, signedAt } = await signedV1({ accessKeySecret: 'wrong' });
    const error = errorOf(() => authenticate(req, at(signedAt)));
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.extra.StringToSign).toBe(v1StringToSign(req, req.headers['x-oss-date'] ?? '').toString('utf8'));
    expect(error.extra.OSSAccessKeyId).toBe(ROOT_ID);
  });

  it('an STS AccessKeyId without a token → InvalidAccessKeyId', async () => {
    const creds = sts(Date.now() + 3600_000);
    const { req, signedAt } = await signedV1({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret });
    const error = errorOf(() => authenticate(req, at(signedAt)));
    expect(error.code).toBe('InvalidAccessKeyId');
    expect(error.message).toContain('Security Token may be lost');
  });

  it('the root AccessKeyId with a token → AccessKeyIdAndSecurityTokenNotMatch', async () => {
    const { req, signedAt } = await signedV1({ stsToken: sts(Date.now() + 3600_000).securityToken });
    expect(errorOf(() => authenticate(req, at(signedAt))).code).toBe('AccessKeyIdAndSecurityTokenNotMatch');
  });

  it('a token minted with another server secret → InvalidSecurityToken', async () => {
    const creds = sts(Date.now() + 3600_000, 'another-server-secret');
    const { req, signedAt } = await signedV1({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, stsToken: creds.securityToken });
    expect(errorOf(() => authenticate(req, at(signedAt))).code).toBe('InvalidSecurityToken');
  });

  it('garbage in place of a token → InvalidSecurityToken', async () => {
    const creds = sts(Date.now() + 3600_000);
    const { req, signedAt } = await signedV1({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, stsToken: 'CAISnot.a.token' });
    expect(errorOf(() => authenticate(req, at(signedAt))).code).toBe('InvalidSecurityToken');
  });

  it('valid until expiresAt, SecurityTokenExpired from then on', async () => {
    const expiresAt = Date.now() + 5000;
    const creds = sts(expiresAt);
    const { req } = await signedV1({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, stsToken: creds.securityToken });
    expect(authenticate(req, at(expiresAt - 1)).expiresAt).toBe(expiresAt);
    expect(errorOf(() => authenticate(req, at(expiresAt))).code).toBe('SecurityTokenExpired');
  });
});
