import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { delay, http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { createAssumeRole, StsError } from '../../../src/server/token/assume-role';
import type { AssumeRoleRequest } from '../../../src/server/token/assume-role';
import { buildUploadPolicy } from '../../../src/server/token/policy';
import { recordingStsHandler, ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET, STS_URL, stsErrorBody, stsSuccessBody } from './sts-fake';
import type { AssumeRoleCall } from './sts-fake';
import { rpcSignature, rpcStringToSign } from '../../../src/server/local-oss/sts/rpc-signature';

const mockSts = setupServer();
beforeAll(() => mockSts.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mockSts.resetHandlers());
afterAll(() => mockSts.close());

const request: AssumeRoleRequest = {
  roleArn: 'acs:ram::1234567890123456:role/uploader',
  policy: buildUploadPolicy({ bucket: 'examplebucket', prefix: 'uploads/alice/' }),
  durationSeconds: 900,
  sessionName: 'u-alice',
};

function assumeRoleAt(endpoint: string, timeoutMs = 5_000) {
  return createAssumeRole({ accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, endpoint, timeoutMs });
}

async function failureOf(work: Promise<unknown>): Promise<StsError> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StsError);
  return error as StsError;
}

describe('createAssumeRole', () => {
  it('sends a signed AssumeRole with our role, policy, duration and session name and returns the credentials', async () => {
    const calls: AssumeRoleCall[] = [];
    const expiration = new Date('2030-01-01T00:15:00Z');
    mockSts.use(recordingStsHandler(calls, () => HttpResponse.json(stsSuccessBody(expiration))));

    const credentials = await assumeRoleAt(STS_URL)(request);

    expect(credentials).toEqual({
      accessKeyId: 'STS.issuedKey1',
      accessKeySecret: 'issuedSecret1-abcdefghijklmnop',
      securityToken: expect.stringMatching(/^CAIStoken1-/),
      expiration,
    });
    expect(calls).toHaveLength(1);
    const params = calls[0]!.params;
    expect(Object.fromEntries(['Action', 'RoleArn', 'RoleSessionName', 'DurationSeconds', 'AccessKeyId'].map((k) => [k, params.get(k)]))).toEqual({
      Action: 'AssumeRole',
      RoleArn: request.roleArn,
      RoleSessionName: 'u-alice',
      DurationSeconds: '900',
      AccessKeyId: ROOT_ACCESS_KEY_ID,
    });
    expect(calls[0]!.policy).toEqual(request.policy);
    expect(params.get('Signature')).toBeTruthy();
  });

  it.each([
    ['NoPermission', 403, 'You are not authorized to do this action. You should be authorized by RAM.'],
    ['EntityNotExist.Role', 404, 'The specified Role not exists.'],
    ['InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'],
    ['Throttling', 400, 'Request was denied due to request throttling.'],
    ['InternalError', 500, 'STS Server Internal Error happened.'],
  ])('reports STS error %s as a 502 with that code', async (code, status, message) => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody(code, message), { status })));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect({ code: error.code, httpStatus: error.httpStatus, message: error.message }).toEqual({ code, httpStatus: 502, message });
  });

  it('drops the string to sign and the caller key from SignatureDoesNotMatch', async () => {
    const message = `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D${ROOT_ACCESS_KEY_ID}`;
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody('SignatureDoesNotMatch', message), { status: 400 })));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.message).toBe('Specified signature is not matched with our calculation.');
  });

  it("keeps STS's request id, for the log", async () => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody('NoPermission', 'denied'), { status: 403 })));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect(error.requestId).toBe('REQ-ERR');
  });

  it('reports a 5xx without an STS error document as StsUnavailable', async () => {
    mockSts.use(http.post(STS_URL, () => new HttpResponse('<html>Bad Gateway</html>', { status: 503 })));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code: 'StsUnavailable', httpStatus: 502 });
  });

  it('reports a 200 whose body is not JSON as MalformedStsResponse', async () => {
    mockSts.use(http.post(STS_URL, () => new HttpResponse('{"Credentials": ', { status: 200 })));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code: 'MalformedStsResponse', httpStatus: 502 });
  });

  it.each([
    ['no Credentials', {}],
    ['no SecurityToken', { Credentials: { AccessKeyId: 'STS.a', AccessKeySecret: 's', Expiration: '2030-01-01T00:00:00Z' } }],
    ['an unreadable Expiration', { Credentials: { AccessKeyId: 'STS.a', AccessKeySecret: 's', SecurityToken: 't', Expiration: 'soon' } }],
  ])('reports a JSON answer with %s as MalformedStsResponse', async (_, body) => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(body)));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect(error.code).toBe('MalformedStsResponse');
  });

  it('reports an STS that does not answer in time as a 504', async () => {
    mockSts.use(
      http.post(STS_URL, async () => {
        await delay(2_000);
        return HttpResponse.json(stsSuccessBody(new Date('2030-01-01T00:00:00Z')));
      }),
    );
    const error = await failureOf(assumeRoleAt(STS_URL, 50)(request));
    expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code: 'StsTimeout', httpStatus: 504 });
  });

  it('reports a silent socket as a 504 through the real HTTP stack', async () => {
    const silent = createServer(() => {
      // Accept the request and never answer.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    mockSts.use(http.post(/127\.0\.0\.1/, () => passthrough()));
    try {
      const { port } = silent.address() as AddressInfo;
      const error = await failureOf(assumeRoleAt(`http://127.0.0.1:${port}/`, 100)(request));
      expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code: 'StsTimeout', httpStatus: 504 });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports an unreachable STS as StsUnreachable', async () => {
    mockSts.use(http.post('https://sts.unreachable.test/', () => HttpResponse.error()));
    const error = await failureOf(assumeRoleAt('https://sts.unreachable.test/')(request));
    expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code: 'StsUnreachable', httpStatus: 502 });
  });

  it('never puts the caller secret in an error message', async () => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody('InvalidParameter', `echo ${ROOT_ACCESS_KEY_SECRET}`), { status: 400 })));
    const error = await failureOf(assumeRoleAt(STS_URL)(request));
    expect(error.message).not.toContain(ROOT_ACCESS_KEY_SECRET);
  });

  it('signs with temporary credentials: SecurityToken among the signed parameters of the request to Alibaba Cloud STS', async () => {
    const calls: AssumeRoleCall[] = [];
    mockSts.use(recordingStsHandler(calls, () => HttpResponse.json(stsSuccessBody(new Date('2030-01-01T00:15:00Z')))));
    const caller = { accessKeyId: 'STS.functionRoleKey01', accessKeySecret: 'functionRoleSecret0123456789', securityToken: 'CAISfunctionRoleToken+/=' };

    await createAssumeRole({ ...caller, endpoint: STS_URL, timeoutMs: 5_000 })(request);

    expect(calls).toHaveLength(1);
    const params = calls[0]!.params;
    expect(Object.fromEntries(['AccessKeyId', 'SecurityToken', 'SignatureMethod', 'SignatureVersion', 'Version', 'Format'].map((k) => [k, params.get(k)]))).toEqual({
      AccessKeyId: caller.accessKeyId,
      SecurityToken: caller.securityToken,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      Version: '2015-04-01',
      Format: 'JSON',
    });
    expect(params.get('Timestamp')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(params.get('SignatureNonce')).toBeTruthy();
    // The signature, checked by the local STS's own implementation of the RPC signature.
    const stringToSign = rpcStringToSign('POST', new Map(params));
    expect(stringToSign).toContain('SecurityToken%3DCAISfunctionRoleToken%252B%252F%253D');
    expect(params.get('Signature')).toBe(rpcSignature(caller.accessKeySecret, stringToSign));
  });

  it('gets the caller credentials from a source on each call, and reports a failing source as unavailable', async () => {
    const calls: AssumeRoleCall[] = [];
    mockSts.use(recordingStsHandler(calls, () => HttpResponse.json(stsSuccessBody(new Date('2030-01-01T00:15:00Z')))));
    let serial = 0;
    const assume = createAssumeRole({
      credentials: async () => ({ accessKeyId: `STS.rotated${++serial}`, accessKeySecret: 'rotatedSecret', securityToken: `token${serial}` }),
      endpoint: STS_URL,
      timeoutMs: 5_000,
    });
    await assume(request);
    await assume(request);
    expect(calls.map((call) => [call.params.get('AccessKeyId'), call.params.get('SecurityToken')])).toEqual([
      ['STS.rotated1', 'token1'],
      ['STS.rotated2', 'token2'],
    ]);

    const failing = createAssumeRole({ credentials: () => Promise.reject(new Error('metadata service down')), endpoint: STS_URL, timeoutMs: 5_000 });
    const error = await failureOf(failing(request));
    expect({ code: error.code, httpStatus: error.httpStatus }).toEqual({ code: 'CallerCredentialsUnavailable', httpStatus: 502 });
  });
});
