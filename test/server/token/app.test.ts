import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { Hono } from 'hono';
import type { TokenErrorResponse, TokenResponse } from '../../../src/shared/token-response';
import { createTokenApp } from '../../../src/server/token/app';
import type { TokenAppConfig } from '../../../src/server/token/app';
import { createAssumeRole, StsError } from '../../../src/server/token/assume-role';
import type { Authorize } from '../../../src/server/token/authorize';
import { ObjectHeadError, type HeadObject } from '../../../src/server/token/object-info';
import { COOKIE_SECRET, CookieJar, recordingLogger, ROLE_ARN, testConfig } from './app-fixtures';
import { issuing, recordingStsHandler, ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET, STS_URL, stsErrorBody } from './sts-fake';
import type { AssumeRoleCall } from './sts-fake';

const MINUTE = 60_000;
const START = Date.parse('2030-01-01T00:00:00Z');

const mockSts = setupServer();
beforeAll(() => mockSts.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mockSts.resetHandlers());
afterAll(() => mockSts.close());

let now: number;
let calls: AssumeRoleCall[];
let logger: ReturnType<typeof recordingLogger>;

beforeEach(() => {
  now = START;
  calls = [];
  logger = recordingLogger();
  // STS issues credentials valid for 15 minutes from "now".
  mockSts.use(recordingStsHandler(calls, issuing(() => new Date(now + 15 * MINUTE))));
});

function tokenApp(options: { config?: Partial<TokenAppConfig>; authorize?: Authorize; stsTimeoutMs?: number; headObject?: HeadObject } = {}): Hono {
  const assumeRole = createAssumeRole({
    accessKeyId: ROOT_ACCESS_KEY_ID,
    accessKeySecret: ROOT_ACCESS_KEY_SECRET,
    endpoint: STS_URL,
    timeoutMs: options.stsTimeoutMs ?? 5_000,
  });
  return createTokenApp({
    assumeRole,
    config: testConfig(options.config),
    now: () => now,
    logger,
    ...(options.authorize ? { authorize: options.authorize } : {}),
    ...(options.headObject ? { headObject: options.headObject } : {}),
  });
}

const asAlice: Authorize = async () => ({ subject: 'alice' });

async function getToken(app: Hono, jar = new CookieJar(), headers: Record<string, string> = {}, url = 'http://localhost/api/sts') {
  const response = await app.request(url, { headers: { ...jar.header(), ...headers } });
  jar.store(response);
  return response;
}

async function tokenOf(response: Response): Promise<TokenResponse> {
  expect(response.status).toBe(200);
  return (await response.json()) as TokenResponse;
}

describe('GET /api/sts', () => {
  it('returns STS credentials and everything the browser client needs, never cached by HTTP', async () => {
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await tokenOf(response)).toEqual({
      accessKeyId: 'STS.issuedKey1',
      accessKeySecret: 'issuedSecret1-abcdefghijklmnop',
      securityToken: expect.stringMatching(/^CAIStoken1-/),
      expiration: '2030-01-01T00:15:00Z',
      region: 'oss-cn-hangzhou',
      bucket: 'examplebucket',
      endpoint: 'http://localhost:9000',
      secure: false,
      sldEnable: true,
      prefix: 'uploads/alice/',
      objectInfoUrl: 'object',
    });
  });

  it('asks STS for the configured role and duration, a session named after the uploader, and a policy for its prefix only', async () => {
    await getToken(tokenApp({ authorize: asAlice }));
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.params.get('RoleArn')).toBe(ROLE_ARN);
    expect(call.params.get('DurationSeconds')).toBe('900');
    expect(call.params.get('RoleSessionName')).toBe('u-alice');
    expect(call.policy).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'],
          Resource: ['acs:oss:*:*:examplebucket/uploads/alice/*'],
        },
      ],
    });
  });

  it('adds the prefix-bound ListMultipartUploads grant when listUploads is on', async () => {
    await getToken(tokenApp({ authorize: asAlice, config: { listUploads: true } }));
    expect(JSON.stringify(calls[0]!.policy)).toContain('"oss:Prefix":["uploads/alice/*"]');
  });

  it('answers 401 when the authorizer knows nobody', async () => {
    const response = await getToken(tokenApp({ authorize: async () => null }));
    expect(response.status).toBe(401);
    expect(((await response.json()) as TokenErrorResponse).error.code).toBe('Unauthorized');
    expect(calls).toHaveLength(0);
  });

  it('answers 500 JSON when the authorizer fails', async () => {
    const response = await getToken(tokenApp({ authorize: async () => Promise.reject(new Error('session store down')) }));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'InternalError', message: 'could not issue credentials' } });
    expect(logger.lines.join('\n')).toContain('session store down');
  });

  it.each(['../bob', 'alice/*', 'a?', ''])('refuses a subject %j that could widen the prefix', async (subject) => {
    const response = await getToken(tokenApp({ authorize: async () => ({ subject }) }));
    expect(response.status).toBe(500);
    expect(((await response.json()) as TokenErrorResponse).error.code).toBe('InvalidSubject');
    expect(calls).toHaveLength(0);
  });
});

describe('GET /api/object', () => {
  const found = { exists: true as const, size: 1234, crc64: '5087502491959609639', etag: '"ABC-2"' };
  const heads: { key: string; accessKeyId: string }[] = [];
  const recordingHead =
    (answer: Awaited<ReturnType<HeadObject>> | Error): HeadObject =>
    async ({ credentials, key }) => {
      heads.push({ key, accessKeyId: credentials.accessKeyId });
      if (answer instanceof Error) throw answer;
      return answer;
    };
  beforeEach(() => {
    heads.length = 0;
  });
  const ask = (app: Hono, key: string | null) =>
    app.request(`http://localhost/api/object${key === null ? '' : `?key=${encodeURIComponent(key)}`}`);

  it("answers what the uploader's own key holds, looked at with credentials of its own", async () => {
    const response = await ask(tokenApp({ authorize: asAlice, headObject: recordingHead(found) }), 'uploads/alice/movie.mp4');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(found);
    expect(heads).toEqual([{ key: 'uploads/alice/movie.mp4', accessKeyId: 'STS.issuedKey1' }]);
  });

  it('asks STS for read-only credentials confined to the uploader prefix, never handed out', async () => {
    const app = tokenApp({ authorize: asAlice, headObject: recordingHead(found) });
    const response = await ask(app, 'uploads/alice/a.bin');
    expect(JSON.stringify(await response.json())).not.toContain('STS.issuedKey');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params.get('RoleSessionName')).toBe('u-alice');
    expect(calls[0]!.params.get('RoleArn')).toBe(ROLE_ARN);
    expect(calls[0]!.policy).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:examplebucket/uploads/alice/*'] }],
    });
    // The upload credentials of the same uploader are not those read-only ones.
    await getToken(app);
    expect(calls).toHaveLength(2);
    expect((calls[1]!.policy as { Statement: { Action: string[] }[] }).Statement[0]!.Action).not.toContain('oss:GetObject');
  });

  it('answers exists: false for a key that holds nothing', async () => {
    const response = await ask(tokenApp({ authorize: asAlice, headObject: recordingHead(null) }), 'uploads/alice/none.bin');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ exists: false });
  });

  it("refuses another uploader's key, the bare prefix and keys outside every prefix (403), without asking STS or OSS", async () => {
    const app = tokenApp({ authorize: asAlice, headObject: recordingHead(found) });
    for (const key of ['uploads/bob/movie.mp4', 'uploads/alice/', 'uploads/alicex/a', 'other/a', '../uploads/alice/a']) {
      const response = await ask(app, key);
      expect(response.status, key).toBe(403);
      expect(((await response.json()) as TokenErrorResponse).error.code).toBe('InvalidKey');
    }
    expect(calls).toHaveLength(0);
    expect(heads).toHaveLength(0);
  });

  it('answers 400 without a key, with one longer than OSS allows, or with a .. segment', async () => {
    const app = tokenApp({ authorize: asAlice, headObject: recordingHead(found) });
    expect((await ask(app, null)).status).toBe(400);
    expect((await ask(app, '')).status).toBe(400);
    expect((await ask(app, `uploads/alice/${'é'.repeat(505)}`)).status).toBe(400);
    expect((await ask(app, 'uploads/alice/../bob/a.bin')).status).toBe(400);
    expect(heads).toHaveLength(0);
  });

  it('answers 401 when the authorizer knows nobody', async () => {
    const response = await ask(tokenApp({ authorize: async () => null, headObject: recordingHead(found) }), 'uploads/alice/a.bin');
    expect(response.status).toBe(401);
    expect(heads).toHaveLength(0);
  });

  it('answers 502 ObjectInfoUnavailable when the HEAD fails, and logs it without the key', async () => {
    const app = tokenApp({ authorize: asAlice, headObject: recordingHead(new ObjectHeadError('HEAD failed: AccessDenied (403)')) });
    const response = await ask(app, 'uploads/alice/secret-plans.pdf');
    expect(response.status).toBe(502);
    expect(((await response.json()) as TokenErrorResponse).error.code).toBe('ObjectInfoUnavailable');
    expect(logger.lines.join('\n')).toContain('AccessDenied');
    expect(logger.lines.join('\n')).not.toContain('secret-plans');
  });

  it('answers StsRefused when STS refuses', async () => {
    mockSts.use(recordingStsHandler(calls, () => HttpResponse.json(stsErrorBody('NoPermission', 'denied'), { status: 403 })));
    const response = await ask(tokenApp({ authorize: asAlice, headObject: recordingHead(found) }), 'uploads/alice/a.bin');
    expect(response.status).toBe(502);
    expect(((await response.json()) as TokenErrorResponse).error.code).toBe('StsRefused');
    expect(heads).toHaveLength(0);
  });

  it('shares the rate limit of the uploader', async () => {
    const app = tokenApp({ authorize: asAlice, headObject: recordingHead(found), config: { rateLimit: { perSubjectPerMinute: 2, perIpPerMinute: 0 } } });
    expect((await getToken(app)).status).toBe(200);
    expect((await ask(app, 'uploads/alice/a.bin')).status).toBe(200);
    const limited = await ask(app, 'uploads/alice/a.bin');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });

  it('answers 405 to other methods', async () => {
    const response = await tokenApp({ authorize: asAlice }).request('http://localhost/api/object?key=uploads/alice/a', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, OPTIONS');
  });
});

/** What the browser gets when STS fails: a stable code and a plain sentence, never STS's own words. */
const STS_REFUSED = {
  error: { code: 'StsRefused', message: 'The upload service is not allowed to issue credentials. Ask the site administrator to check its setup.' },
};
const STS_UNAVAILABLE = {
  error: { code: 'StsUnavailable', message: 'The upload service could not issue credentials. Try again in a minute.' },
};
const STS_TIMEOUT = {
  error: { code: 'StsTimeout', message: 'The upload service did not get credentials in time. Try again in a minute.' },
};

/** An STS refusal as Alibaba Cloud words it: it names the role, the account and the caller's key. */
const LEAKY_STS_MESSAGE = `You are not authorized to do this action. Resource: ${ROLE_ARN} Action: sts:AssumeRole AccessKeyId LTAI5tLeakyCallerKey9 RequestId: 5F2E1A77-LEAKY-REQUEST`;
const LEAKY_STS_REQUEST_ID = '5F2E1A77-LEAKY-REQUEST';

function leakyStsRefusal() {
  return () =>
    HttpResponse.json({ RequestId: LEAKY_STS_REQUEST_ID, HostId: 'sts.aliyuncs.com', Code: 'NoPermission', Message: LEAKY_STS_MESSAGE }, { status: 403 });
}

/** The answer holds only the code and the sentence: nothing of STS's message, role, account or request. */
function expectNothingFromSts(text: string): void {
  for (const secret of [ROLE_ARN, '1234567890123456', 'LTAI5tLeakyCallerKey9', LEAKY_STS_REQUEST_ID, 'sts:AssumeRole', 'NoPermission', 'not authorized']) {
    expect(text).not.toContain(secret);
  }
}

describe('STS failures', () => {
  it.each([
    ['NoPermission', 403],
    ['EntityNotExist.Role', 404],
    ['InvalidAccessKeyId.NotFound', 404],
    ['SignatureDoesNotMatch', 400],
  ])('answers 502 StsRefused, in plain words, when STS refuses with %s', async (code, status) => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody(code, `${code} happened`), { status })));
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.status).toBe(502);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual(STS_REFUSED);
    expect(logger.lines.join('\n')).toContain(`"code":"${code}"`);
  });

  it.each([
    ['Throttling', 400],
    ['Throttling.User', 400],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
  ])('answers 502 StsUnavailable when STS is busy or failing (%s)', async (code, status) => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody(code, `${code} happened`), { status })));
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual(STS_UNAVAILABLE);
  });

  it('keeps what STS said for the log: the client gets the code and the sentence only', async () => {
    mockSts.use(http.post(STS_URL, leakyStsRefusal()));
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(STS_REFUSED);
    expectNothingFromSts(text);
    const failed = logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'sts.failed');
    expect(failed).toEqual([
      expect.objectContaining({ subject: 'alice', code: 'NoPermission', message: LEAKY_STS_MESSAGE, requestId: LEAKY_STS_REQUEST_ID }),
    ]);
  });

  it('answers /api/object the same way, and logs that STS failure too', async () => {
    mockSts.use(http.post(STS_URL, leakyStsRefusal()));
    const app = tokenApp({ authorize: asAlice, headObject: async () => null });
    const response = await app.request('http://localhost/api/object?key=uploads/alice/a.bin');
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(STS_REFUSED);
    expectNothingFromSts(text);
    expect(logger.lines.join('\n')).toContain(JSON.stringify(LEAKY_STS_MESSAGE));
  });

  it('does not pass on the message of an StsError thrown by a custom assumeRole', async () => {
    const message = `Role ${ROLE_ARN} may not be assumed by AccessKeyId LTAI5tLeakyCallerKey9 (RequestId ${LEAKY_STS_REQUEST_ID})`;
    const app = createTokenApp({
      assumeRole: async () => Promise.reject(new StsError('NoPermission', message)),
      authorize: asAlice,
      config: testConfig(),
      logger,
    });
    const response = await app.request('http://localhost/api/sts');
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(STS_REFUSED);
    expectNothingFromSts(text);
    expect(logger.lines.join('\n')).toContain(JSON.stringify(message));
  });

  it('answers 502 StsUnavailable when STS fails with a bare 5xx', async () => {
    mockSts.use(http.post(STS_URL, () => new HttpResponse('upstream down', { status: 503 })));
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual(STS_UNAVAILABLE);
  });

  it('answers 502 StsUnavailable when STS sends malformed JSON', async () => {
    mockSts.use(http.post(STS_URL, () => new HttpResponse('{"Credentials":', { status: 200 })));
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual(STS_UNAVAILABLE);
    expect(logger.lines.join('\n')).toContain('"code":"MalformedStsResponse"');
  });

  it('answers 502 StsUnavailable when STS cannot be reached', async () => {
    mockSts.use(http.post(STS_URL, () => HttpResponse.error()));
    const response = await getToken(tokenApp({ authorize: asAlice }));
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual(STS_UNAVAILABLE);
    expect(logger.lines.join('\n')).toContain('"code":"StsUnreachable"');
  });

  it('answers 504 StsTimeout when STS does not answer in time', async () => {
    mockSts.use(
      http.post(STS_URL, async () => {
        await delay(2_000);
        return HttpResponse.json({});
      }),
    );
    const response = await getToken(tokenApp({ authorize: asAlice, stsTimeoutMs: 50 }));
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual(STS_TIMEOUT);
  });

  it('tries STS again on the next request after a failure', async () => {
    let first = true;
    mockSts.use(
      http.post(STS_URL, () => {
        if (!first) return undefined; // fall through to the issuing handler
        first = false;
        return HttpResponse.json(stsErrorBody('Throttling', 'slow down'), { status: 400 });
      }),
    );
    const app = tokenApp({ authorize: asAlice });
    expect((await getToken(app)).status).toBe(502);
    expect((await getToken(app)).status).toBe(200);
  });
});

describe('credential reuse', () => {
  it('hands the same credentials to the same uploader while they have more than 5 minutes left', async () => {
    const app = tokenApp({ authorize: asAlice });
    const first = await tokenOf(await getToken(app));
    now += 9 * MINUTE; // 6 minutes left
    const second = await tokenOf(await getToken(app));
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(calls).toHaveLength(1);
  });

  it('fetches new credentials once less than 5 minutes are left', async () => {
    const app = tokenApp({ authorize: asAlice });
    const first = await tokenOf(await getToken(app));
    now += 11 * MINUTE; // 4 minutes left
    const second = await tokenOf(await getToken(app));
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.expiration).toBe('2030-01-01T00:26:00Z');
    expect(calls).toHaveLength(2);
  });

  it('makes one STS call for many concurrent requests of one uploader', async () => {
    const app = tokenApp({ authorize: asAlice });
    const responses = await Promise.all(Array.from({ length: 8 }, () => getToken(app)));
    const tokens = await Promise.all(responses.map(tokenOf));
    expect(calls).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessKeyId)).size).toBe(1);
  });

  it('never shares credentials between uploaders', async () => {
    let next = 0;
    const app = tokenApp({ authorize: async () => ({ subject: ['alice', 'bob'][next++ % 2]! }) });
    const [alice, bob] = [await tokenOf(await getToken(app)), await tokenOf(await getToken(app))];
    expect(alice.prefix).toBe('uploads/alice/');
    expect(bob.prefix).toBe('uploads/bob/');
    expect(alice.accessKeyId).not.toBe(bob.accessKeyId);
    expect(calls).toHaveLength(2);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once an uploader exceeds its budget', async () => {
    const app = tokenApp({ authorize: asAlice, config: { rateLimit: { perSubjectPerMinute: 2, perIpPerMinute: 0 } } });
    expect((await getToken(app)).status).toBe(200);
    expect((await getToken(app)).status).toBe(200);
    const limited = await getToken(app);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(((await limited.json()) as TokenErrorResponse).error.code).toBe('TooManyRequests');
    now += 30_000;
    expect((await getToken(app)).status).toBe(200);
  });

  it('limits per socket address, across uploaders', async () => {
    let next = 0;
    const app = tokenApp({
      authorize: async () => ({ subject: `user${next++}` }),
      config: { rateLimit: { perSubjectPerMinute: 0, perIpPerMinute: 1 } },
    });
    // The bindings @hono/node-server passes: the Node request with its socket.
    const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
    const get = (remoteAddress: string) => app.request('http://localhost/api/sts', {}, from(remoteAddress));
    expect((await get('192.0.2.10')).status).toBe(200);
    expect((await get('192.0.2.10')).status).toBe(429);
    expect((await get('192.0.2.11')).status).toBe(200);
  });

  it('limits per forwarded client address behind a trusted proxy', async () => {
    let next = 0;
    const app = tokenApp({
      authorize: async () => ({ subject: `user${next++}` }),
      config: { trustProxy: true, rateLimit: { perSubjectPerMinute: 0, perIpPerMinute: 1 } },
    });
    expect((await getToken(app, new CookieJar(), { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(200);
    // Only the last entry, appended by the proxy, counts: a client cannot dodge the limit by prepending addresses.
    const limited = await getToken(app, new CookieJar(), { 'X-Forwarded-For': '10.9.9.9, 203.0.113.7' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await getToken(app, new CookieJar(), { 'X-Forwarded-For': '198.51.100.1' })).status).toBe(200);
  });
});

describe('anonymous cookie uploader', () => {
  it('gives a new browser a signed HttpOnly Lax cookie and its own prefix', async () => {
    const jar = new CookieJar();
    const response = await getToken(tokenApp(), jar);
    const token = await tokenOf(response);
    expect(token.prefix).toMatch(/^uploads\/[A-Za-z0-9][A-Za-z0-9_-]{21}\/$/);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(calls[0]!.params.get('RoleSessionName')).toBe(`u-${token.prefix.split('/')[1]}`);
  });

  it('keeps the prefix of one browser across requests', async () => {
    const app = tokenApp();
    const jar = new CookieJar();
    const first = await tokenOf(await getToken(app, jar));
    now += 20 * MINUTE; // past expiry: new credentials, same uploader
    const again = await getToken(app, jar);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect((await tokenOf(again)).prefix).toBe(first.prefix);
  });

  it('keeps the prefix across a server restart with the same secret', async () => {
    const jar = new CookieJar();
    const first = await tokenOf(await getToken(tokenApp(), jar));
    const afterRestart = await tokenOf(await getToken(tokenApp(), jar));
    expect(afterRestart.prefix).toBe(first.prefix);
  });

  it('gives two browsers different prefixes', async () => {
    const app = tokenApp();
    const a = await tokenOf(await getToken(app, new CookieJar()));
    const b = await tokenOf(await getToken(app, new CookieJar()));
    expect(a.prefix).not.toBe(b.prefix);
  });

  it('treats a tampered cookie as a new browser', async () => {
    const app = tokenApp();
    const jar = new CookieJar();
    const original = await tokenOf(await getToken(app, jar));
    const signed = decodeURIComponent(jar.get('uploader_id')!);
    const signature = signed.slice(signed.lastIndexOf('.'));
    jar.set('uploader_id', encodeURIComponent(`${'B'.repeat(22)}${signature}`));
    const response = await getToken(app, jar);
    const tampered = await tokenOf(response);
    expect(tampered.prefix).not.toBe(original.prefix);
    expect(tampered.prefix).not.toBe(`uploads/${'B'.repeat(22)}/`);
    expect(response.headers.get('set-cookie')).toMatch(/^uploader_id=/);
  });

  it('does not accept a cookie signed with another secret', async () => {
    const jar = new CookieJar();
    const original = await tokenOf(await getToken(tokenApp({ config: { cookieSecret: 'another-secret-0123456789abcdefghij' } }), jar));
    const other = await tokenOf(await getToken(tokenApp({ config: { cookieSecret: COOKIE_SECRET } }), jar));
    expect(other.prefix).not.toBe(original.prefix);
  });

  it('marks the cookie Secure over https', async () => {
    const response = await getToken(tokenApp(), new CookieJar(), {}, 'https://uploader.example/api/sts');
    expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
    expect(response.headers.get('set-cookie')).toMatch(/SameSite=Lax/);
  });

  it('uses SameSite=None; Secure; Partitioned over https when other origins may embed the uploader', async () => {
    const app = tokenApp({ config: { corsOrigins: ['https://shop.example'] } });
    const response = await getToken(app, new CookieJar(), {}, 'https://uploader.example/api/sts');
    expect(response.headers.get('set-cookie')).toMatch(/SameSite=None/);
    expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
    expect(response.headers.get('set-cookie')).toMatch(/; Partitioned/);
  });

  it('falls back to SameSite=Lax over plain http even with embedding enabled (browsers drop insecure None cookies)', async () => {
    const app = tokenApp({ config: { corsOrigins: ['http://localhost:5173'] } });
    const response = await getToken(app);
    expect(response.headers.get('set-cookie')).toMatch(/SameSite=Lax/);
    expect(response.headers.get('set-cookie')).not.toMatch(/Secure|Partitioned/);
  });

  it('trusts X-Forwarded-Proto only behind a trusted proxy', async () => {
    const headers = { 'X-Forwarded-Proto': 'https' };
    const direct = await getToken(tokenApp(), new CookieJar(), headers);
    const proxied = await getToken(tokenApp({ config: { trustProxy: true } }), new CookieJar(), headers);
    expect(direct.headers.get('set-cookie')).not.toMatch(/Secure/);
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/);
  });
});

describe('secrets', () => {
  it('never puts the root key in a response or a log line, and logs issued keys only redacted', async () => {
    const app = tokenApp();
    const bodies: string[] = [];
    const ok = await getToken(app);
    bodies.push(await ok.text());
    mockSts.use(http.post(STS_URL, () => HttpResponse.json(stsErrorBody('NoPermission', `no ${ROOT_ACCESS_KEY_ID}`), { status: 403 })));
    const failed = await getToken(app);
    bodies.push(await failed.text());

    const everything = [...bodies, ...logger.lines].join('\n');
    expect(everything).not.toContain(ROOT_ACCESS_KEY_SECRET);
    expect(everything).not.toContain(ROOT_ACCESS_KEY_ID);
    const issued = JSON.parse(bodies[0]!) as TokenResponse;
    const logs = logger.lines.join('\n');
    expect(logs).not.toContain(issued.accessKeySecret);
    expect(logs).not.toContain(issued.securityToken);
    expect(logs).not.toContain(issued.accessKeyId);
    expect(logs).toContain(`"accessKeyId":"${issued.accessKeyId.slice(0, 4)}…(${issued.accessKeyId.length})"`);
    expect(logs).toContain('"code":"NoPermission"');
  });
});

describe('cross-origin embedding', () => {
  const ORIGIN = 'https://shop.example';

  it('sends no CORS headers by default', async () => {
    const response = await getToken(tokenApp({ authorize: asAlice }), new CookieJar(), { Origin: ORIGIN });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('echoes an allowed origin with credentials and Vary: Origin', async () => {
    const app = tokenApp({ authorize: asAlice, config: { corsOrigins: [ORIGIN] } });
    const response = await getToken(app, new CookieJar(), { Origin: ORIGIN });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('lets an allowed origin read /api/object with credentials too', async () => {
    const app = tokenApp({
      authorize: asAlice,
      config: { corsOrigins: [ORIGIN] },
      headObject: async () => null,
    });
    const response = await app.request('http://localhost/api/object?key=uploads/alice/a.bin', { headers: { Origin: ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('does not allow an origin outside the list', async () => {
    const app = tokenApp({ authorize: asAlice, config: { corsOrigins: [ORIGIN] } });
    const response = await getToken(app, new CookieJar(), { Origin: 'https://evil.example' });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('answers an allowed preflight', async () => {
    const app = tokenApp({ authorize: asAlice, config: { corsOrigins: [ORIGIN] } });
    const response = await app.request('http://localhost/api/sts', {
      method: 'OPTIONS',
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toContain('GET');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization');
    expect(calls).toHaveLength(0);
  });

  it('keeps CORS headers on error answers so the embedding page can read them', async () => {
    const app = tokenApp({ authorize: asAlice, config: { corsOrigins: [ORIGIN], rateLimit: { perSubjectPerMinute: 1, perIpPerMinute: 0 } } });
    await getToken(app, new CookieJar(), { Origin: ORIGIN });
    const limited = await getToken(app, new CookieJar(), { Origin: ORIGIN });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

describe('other routes and methods', () => {
  it('answers GET /api/health', async () => {
    const response = await tokenApp({ authorize: asAlice }).request('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it.each(['POST', 'PUT', 'DELETE'])('refuses %s on /api/sts with 405 and Allow', async (method) => {
    const response = await tokenApp({ authorize: asAlice }).request('/api/sts', { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, OPTIONS');
    expect(calls).toHaveLength(0);
  });

  it('answers OPTIONS without CORS configured', async () => {
    const response = await tokenApp({ authorize: asAlice }).request('/api/sts', { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('GET, OPTIONS');
  });

  it('rejects a large request body with 413', async () => {
    const response = await tokenApp({ authorize: asAlice }).request('/api/sts', { method: 'POST', body: 'x'.repeat(4096) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as TokenErrorResponse).error.code).toBe('PayloadTooLarge');
  });

  it('refuses to build without a cookie secret when no authorizer is given', () => {
    expect(() => tokenApp({ config: { cookieSecret: undefined } })).toThrow(/cookieSecret/);
  });
});
