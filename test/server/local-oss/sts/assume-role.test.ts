import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'node:querystring';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OSS from 'ali-oss';
import { actionForOperation, authenticate, authorize } from '../../../../src/server/local-oss/auth';
import { createStsListener, type StsContext } from '../../../../src/server/local-oss/sts';
import {
  ALLOW_ALL, BUCKET, ROLE_ARN, ROOT_ID, ROOT_SECRET, TOKEN_SECRET, capture, capturedToAuthRequest, capturingClient, errorOf,
} from '../auth/support';

const MIN = 60_000;
let clockOffset = 0;
let frozenAt: number | undefined;
// Also the OSS side's context, for the credentials' first requests.
const ctx: StsContext & { region: string } = {
  rootAccessKeyId: ROOT_ID,
  rootAccessKeySecret: ROOT_SECRET,
  tokenSecret: TOKEN_SECRET,
  roles: new Map([[ROLE_ARN, { policy: ALLOW_ALL }]]),
  region: 'oss-cn-hangzhou',
  now: () => frozenAt ?? Date.now() + clockOffset,
};

let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer(createStsListener(ctx));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  clockOffset = 0;
  frozenAt = undefined;
});

const sts = (accessKeyId = ROOT_ID, accessKeySecret = ROOT_SECRET) => new OSS.STS({ accessKeyId, accessKeySecret, endpoint } as never);

const SESSION_POLICY = {
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${BUCKET}/users/42/*`] }],
};

/** The error ali-oss raises for a failed call: `code` from the STS JSON, HTTP `status`. */
async function failure(call: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: string; status: number; message: string };
  }
  throw new Error('expected the call to fail');
}

/** A request signed by ali-oss's own STS signer, sent as-is (for replays and hand-made parameters). */
async function sendSigned(params: Record<string, string>, init: { method?: 'GET' | 'POST'; secret?: string } = {}) {
  const signer = sts() as unknown as { _getSignature(method: string, params: Record<string, string>, secret: string): string };
  const method = init.method ?? 'POST';
  const signed = { ...params, Signature: signer._getSignature(method, params, init.secret ?? ROOT_SECRET) };
  const response = method === 'POST'
    ? await fetch(endpoint, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: stringify(signed) })
    : await fetch(`${endpoint}?${stringify(signed)}`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const baseParams = (overrides: Record<string, string> = {}): Record<string, string> => ({
  Action: 'AssumeRole', RoleArn: ROLE_ARN, RoleSessionName: 'user-42', DurationSeconds: '900', Format: 'JSON', Version: '2015-04-01',
  AccessKeyId: ROOT_ID, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: String(Math.random()),
  Timestamp: new Date().toISOString(), ...overrides,
});

describe('AssumeRole through ali-oss STS', () => {
  it('answers the AssumeRole success shape', async () => {
    frozenAt = Date.now();
    const result = await sts().assumeRole(ROLE_ARN, SESSION_POLICY, 900, 'user-42');
    const { res } = result as unknown as { res: { data?: Buffer | string } };
    const body = JSON.parse(String(res.data ?? '{}')) as Record<string, unknown>;
    expect(result.credentials).toEqual({
      AccessKeyId: expect.stringMatching(/^STS\./),
      AccessKeySecret: expect.any(String),
      SecurityToken: expect.any(String),
      Expiration: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    expect(Date.parse(result.credentials.Expiration)).toBe(Math.floor(frozenAt / 1000) * 1000 + 900_000);
    expect(body).toMatchObject({ AssumedRoleUser: { Arn: `${ROLE_ARN}/user-42`, AssumedRoleId: expect.stringMatching(/^\d{17}:user-42$/) } });
  });

  it('issues credentials that sign OSS requests and carry the session policy', async () => {
    const { credentials } = await sts().assumeRole(ROLE_ARN, SESSION_POLICY, 3600, 'user-42');
    const client = capturingClient({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, stsToken: credentials.SecurityToken });
    const req = capturedToAuthRequest(await capture(client, (c) => c.put('users/42/a b.txt', Buffer.from('x'))));
    const principal = authenticate(req, { ...ctx, now: () => Date.now() });
    expect(principal).toMatchObject({ kind: 'sts', accessKeyId: credentials.AccessKeyId, roleArn: ROLE_ARN, sessionPolicy: SESSION_POLICY });
    expect(principal.expiresAt).toBe(Date.parse(credentials.Expiration));
    expect(() => authorize(principal, actionForOperation('PutObject', { bucket: BUCKET, key: 'users/42/a b.txt' }), ctx)).not.toThrow();
    expect(errorOf(() => authorize(principal, actionForOperation('PutObject', { bucket: BUCKET, key: 'users/43/a' }), ctx)).code).toBe('AccessDenied');
    expect(errorOf(() => authorize(principal, actionForOperation('GetObject', { bucket: BUCKET, key: 'users/42/a b.txt' }), ctx)).code).toBe('AccessDenied');
  });

  it('without a Policy the credentials carry none', async () => {
    const { credentials } = await sts().assumeRole(ROLE_ARN, undefined, 900, 'user-42');
    const client = capturingClient({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, stsToken: credentials.SecurityToken });
    const principal = authenticate(capturedToAuthRequest(await capture(client, (c) => c.head('x'))), { ...ctx, now: () => Date.now() });
    expect(principal.sessionPolicy).toBeUndefined();
  });

  it.each<[string, Parameters<OSS.STS['assumeRole']>, string, number]>([
    ['an unknown role', ['acs:ram::1234567890123456:role/nobody', undefined, 900, 'user-42'], 'EntityNotExist.Role', 404],
    ['a malformed RoleArn', ['uploader', undefined, 900, 'user-42'], 'InvalidParameter.RoleArn', 400],
    ['a one-character session name', [ROLE_ARN, undefined, 900, 'a'], 'InvalidParameter.RoleSessionName', 400],
    ['a 65-character session name', [ROLE_ARN, undefined, 900, 'a'.repeat(65)], 'InvalidParameter.RoleSessionName', 400],
    ['a session name with a space', [ROLE_ARN, undefined, 900, 'user 42'], 'InvalidParameter.RoleSessionName', 400],
    ['DurationSeconds below 900', [ROLE_ARN, undefined, 899, 'user-42'], 'InvalidParameter.DurationSeconds', 400],
    ['DurationSeconds above 3600', [ROLE_ARN, undefined, 3601, 'user-42'], 'InvalidParameter.DurationSeconds', 400],
    ['a policy with a bad Effect', [ROLE_ARN, { Version: '1', Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }, 900, 'user-42'], 'InvalidParameter.PolicyGrammar', 400],
    ['a policy over 2048 characters', [ROLE_ARN, { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: `acs:oss:*:*:b/${'x'.repeat(2100)}` }] }, 900, 'user-42'], 'InvalidParameter.PolicySize', 400],
  ])('%s → %s', async (_what, args, code, status) => {
    expect(await failure(sts().assumeRole(...args))).toMatchObject({ code, status });
  });

  it('accepts the 900 and 3600 second bounds and 2- and 64-character session names', async () => {
    await expect(sts().assumeRole(ROLE_ARN, undefined, 900, 'ab')).resolves.toBeDefined();
    await expect(sts().assumeRole(ROLE_ARN, undefined, 3600, `${'a'.repeat(60)}.@-_`)).resolves.toBeDefined();
  });

  it('an unknown AccessKeyId → InvalidAccessKeyId.NotFound (404)', async () => {
    expect(await failure(sts('LTAIunknown', 'x').assumeRole(ROLE_ARN))).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', status: 404 });
  });

  it('STS credentials without their SecurityToken may not call AssumeRole → NoPermission (403)', async () => {
    const { credentials } = await sts().assumeRole(ROLE_ARN);
    expect(await failure(sts(credentials.AccessKeyId, credentials.AccessKeySecret).assumeRole(ROLE_ARN))).toMatchObject({ code: 'NoPermission', status: 403 });
  });

  it('the wrong secret → SignatureDoesNotMatch with the server string to sign', async () => {
    const error = await failure(sts(ROOT_ID, 'wrong').assumeRole(ROLE_ARN));
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', status: 400 });
    expect(error.message).toContain('server string to sign is:POST&%2F&AccessKeyId');
  });

  it.each([16 * MIN, -16 * MIN])('a Timestamp %i ms away from the server clock → InvalidTimeStamp.Expired', async (offset) => {
    clockOffset = offset;
    expect(await failure(sts().assumeRole(ROLE_ARN))).toMatchObject({ code: 'InvalidTimeStamp.Expired', status: 400 });
  });
});

describe('AssumeRole wire details', () => {
  it('a replayed request → SignatureNonceUsed', async () => {
    const params = baseParams();
    expect((await sendSigned(params)).status).toBe(200);
    const replay = await sendSigned(params);
    expect(replay).toMatchObject({ status: 400, json: { Code: 'SignatureNonceUsed' } });
  });

  it('a request whose signature fails does not use up its nonce', async () => {
    const params = baseParams();
    const response = await fetch(endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: stringify({ ...params, Signature: 'AAAA' }),
    });
    expect(response.status).toBe(400);
    expect((await sendSigned(params)).status).toBe(200);
  });

  it('accepts a Timestamp without milliseconds, and GET with query parameters', async () => {
    const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect((await sendSigned(baseParams({ Timestamp: timestamp }), { method: 'GET' })).status).toBe(200);
  });

  it.each([
    ['a malformed Timestamp', { Timestamp: '2023-11-14 22:13:20' }, 'InvalidTimeStamp.Format', 400],
    ['another Action', { Action: 'GetCallerIdentity' }, 'InvalidAction.NotFound', 404],
    ['another Version', { Version: '2015-05-01' }, 'InvalidVersion', 400],
  ])('%s → %s', async (_what, overrides, code, status) => {
    expect(await sendSigned(baseParams(overrides))).toMatchObject({ status, json: { Code: code } });
  });

  it('a missing mandatory parameter → MissingParameter', async () => {
    const { SignatureNonce: _dropped, ...params } = baseParams();
    expect(await sendSigned(params)).toMatchObject({ status: 400, json: { Code: 'MissingParameter' } });
  });

  it('errors use the STS JSON error shape', async () => {
    const { json } = await sendSigned(baseParams({ RoleArn: 'acs:ram::1:role/nobody' }));
    expect(json).toEqual({ RequestId: expect.stringMatching(/^[0-9A-F-]{36}$/), HostId: expect.any(String), Code: 'EntityNotExist.Role', Message: 'The specified Role not exists.' });
  });

  it('refuses an oversized body with 413', async () => {
    const response = await fetch(endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Policy=${'x'.repeat(20_000)}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ Code: 'RequestTooLarge' });
  });
});

describe('AssumeRole signed with temporary credentials (role chaining)', () => {
  async function issued() {
    const { credentials } = await sts().assumeRole(ROLE_ARN, undefined, 900, 'fc-function');
    return credentials as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
  }
  const chained = (caller: { AccessKeyId: string; SecurityToken: string }, overrides: Record<string, string> = {}) =>
    baseParams({ AccessKeyId: caller.AccessKeyId, SecurityToken: caller.SecurityToken, RoleSessionName: 'u-alice', ...overrides });

  it('issues new credentials for an STS key signed with its secret and carrying its SecurityToken', async () => {
    const caller = await issued();
    const { status, json } = await sendSigned(chained(caller), { secret: caller.AccessKeySecret });
    expect(status).toBe(200);
    const credentials = json.Credentials as Record<string, string>;
    expect(credentials.AccessKeyId).toMatch(/^STS\./);
    expect(credentials.AccessKeyId).not.toBe(caller.AccessKeyId);
    expect(json.AssumedRoleUser).toMatchObject({ Arn: `${ROLE_ARN}/u-alice` });
  });

  it('also over GET with query parameters', async () => {
    const caller = await issued();
    const { status } = await sendSigned(chained(caller, { Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }), { method: 'GET', secret: caller.AccessKeySecret });
    expect(status).toBe(200);
  });

  it("another key's SecurityToken → InvalidSecurityToken.MismatchWithAccessKey", async () => {
    const [caller, other] = [await issued(), await issued()];
    const { status, json } = await sendSigned(chained({ AccessKeyId: caller.AccessKeyId, SecurityToken: other.SecurityToken }), { secret: caller.AccessKeySecret });
    expect({ status, code: json.Code }).toEqual({ status: 400, code: 'InvalidSecurityToken.MismatchWithAccessKey' });
  });

  it('a tampered SecurityToken → InvalidSecurityToken.Malformed', async () => {
    const caller = await issued();
    const tampered = `${caller.SecurityToken.slice(0, -2)}xx`;
    const { json } = await sendSigned(chained({ ...caller, SecurityToken: tampered }), { secret: caller.AccessKeySecret });
    expect(json.Code).toBe('InvalidSecurityToken.Malformed');
  });

  it('an expired SecurityToken → InvalidSecurityToken.Expired', async () => {
    const caller = await issued();
    clockOffset = 16 * MIN;
    const { json } = await sendSigned(chained(caller, { Timestamp: new Date(Date.now() + clockOffset).toISOString() }), { secret: caller.AccessKeySecret });
    expect(json.Code).toBe('InvalidSecurityToken.Expired');
  });

  it('the right token but the wrong secret → SignatureDoesNotMatch', async () => {
    const caller = await issued();
    const { json } = await sendSigned(chained(caller), { secret: ROOT_SECRET });
    expect(json.Code).toBe('SignatureDoesNotMatch');
  });

  it('a SecurityToken on the root key → InvalidSecurityToken.MismatchWithAccessKey', async () => {
    const caller = await issued();
    const { json } = await sendSigned(baseParams({ SecurityToken: caller.SecurityToken }));
    expect(json.Code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
  });
});
