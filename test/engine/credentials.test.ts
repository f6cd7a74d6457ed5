import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createCredentialsSource, fetchTokenEndpoint, parseRetryAfter } from '../../src/engine/credentials/credentials';
import { EngineError } from '../../src/engine/errors/engine-error';
import type { Credentials, GetCredentials } from '../../src/engine/contracts';
import { deferred, makeCredentials, manualClock } from './fixtures';

const HOUR = 3_600_000;

function countingSource(make: (n: number) => Credentials) {
  let calls = 0;
  const get: GetCredentials = async () => make(++calls);
  return { get, calls: () => calls };
}

describe('createCredentialsSource', () => {
  it('fetches once and hands the same credentials to every caller while they are fresh', async () => {
    const clock = manualClock();
    const source = countingSource((n) => makeCredentials({ accessKeyId: `AK${n}`, expiration: new Date(clock.now() + HOUR).toISOString() }));
    const creds = createCredentialsSource(source.get, clock);
    const [a, b] = await Promise.all([creds.get(), creds.get()]);
    const c = await creds.get();
    expect(source.calls()).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
  });

  it('refreshes once the expiry is within the margin', async () => {
    const clock = manualClock();
    const source = countingSource((n) => makeCredentials({ accessKeyId: `AK${n}`, expiration: new Date(clock.now() + HOUR).toISOString() }));
    const creds = createCredentialsSource(source.get, clock, { refreshMarginMs: 5 * 60_000 });
    expect((await creds.get()).accessKeyId).toBe('AK1');
    clock.advance(HOUR - 5 * 60_000 - 1);
    expect((await creds.get()).accessKeyId).toBe('AK1');
    clock.advance(2);
    expect((await creds.get()).accessKeyId).toBe('AK2');
  });

  it('uses short-lived credentials for half their life instead of refetching them on every call', async () => {
    const clock = manualClock();
    const source = countingSource(() => makeCredentials({ expiration: new Date(clock.now() + 4 * 60_000).toISOString() }));
    const creds = createCredentialsSource(source.get, clock, { refreshMarginMs: 5 * 60_000 });
    await creds.get();
    clock.advance(60_000);
    await creds.get();
    expect(source.calls()).toBe(1);
    clock.advance(61_000);
    await creds.get();
    expect(source.calls()).toBe(2);
  });

  it('keeps credentials that look expired on arrival (page clock ahead of the server) for a minute', async () => {
    const clock = manualClock();
    const source = countingSource(() => makeCredentials({ expiration: new Date(clock.now() - HOUR).toISOString() }));
    const creds = createCredentialsSource(source.get, clock);
    await creds.get();
    clock.advance(59_000);
    await creds.get();
    expect(source.calls()).toBe(1);
    clock.advance(2_000);
    await creds.get();
    expect(source.calls()).toBe(2);
  });

  it('shares one refresh among all callers that arrive while it is in flight', async () => {
    const clock = manualClock();
    const pending = deferred<Credentials>();
    let calls = 0;
    const creds = createCredentialsSource(() => {
      calls++;
      return pending.promise;
    }, clock);
    const waiting = Promise.all([creds.get(), creds.get(), creds.get()]);
    pending.resolve(makeCredentials());
    const results = await waiting;
    expect(calls).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it('turns many invalidations of the same stale credentials into one refresh', async () => {
    const clock = manualClock();
    const source = countingSource((n) => makeCredentials({ accessKeyId: `AK${n}` }));
    const creds = createCredentialsSource(source.get, clock);
    const stale = await creds.get();
    creds.invalidate(stale);
    const fresh = await creds.get();
    // Parts that failed with the old token report it after the refresh already happened.
    creds.invalidate(stale);
    creds.invalidate(stale);
    expect(await creds.get()).toBe(fresh);
    expect(source.calls()).toBe(2);
  });

  it('keeps handing out still-valid credentials when a refresh ahead of expiry fails', async () => {
    const clock = manualClock();
    let fail = false;
    const creds = createCredentialsSource(async () => {
      if (fail) throw new EngineError('token endpoint down', { status: 502 });
      return makeCredentials({ expiration: new Date(clock.now() + HOUR).toISOString() });
    }, clock);
    const first = await creds.get();
    fail = true;
    clock.advance(HOUR - 60_000);
    expect(await creds.get()).toBe(first);
    clock.advance(120_000);
    await expect(creds.get()).rejects.toMatchObject({ status: 502 });
  });

  it('rejects a waiting caller on abort without cancelling the shared refresh', async () => {
    const clock = manualClock();
    const pending = deferred<Credentials>();
    const creds = createCredentialsSource(() => pending.promise, clock);
    const controller = new AbortController();
    const aborted = creds.get(controller.signal);
    const patient = creds.get();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    pending.resolve(makeCredentials({ accessKeyId: 'AK-shared' }));
    expect((await patient).accessKeyId).toBe('AK-shared');
  });
});

describe('fetchTokenEndpoint', () => {
  const base = 'http://token.test';
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('returns the token JSON', async () => {
    const body = makeCredentials();
    server.use(http.get(`${base}/api/sts`, () => HttpResponse.json(body)));
    await expect(fetchTokenEndpoint(`${base}/api/sts`)({})).resolves.toEqual(body);
  });

  it('makes the object-info URL absolute against the token URL, where the endpoint meant it', async () => {
    server.use(http.get(`${base}/uploader/api/sts`, () => HttpResponse.json({ ...makeCredentials(), objectInfoUrl: 'object' })));
    const credentials = await fetchTokenEndpoint(`${base}/uploader/api/sts`)({});
    expect(credentials.objectInfoUrl).toBe(`${base}/uploader/api/object`);
  });

  it('drops an object-info URL that is not a string', async () => {
    server.use(http.get(`${base}/api/sts`, () => HttpResponse.json({ ...makeCredentials(), objectInfoUrl: 42 })));
    const credentials = await fetchTokenEndpoint(`${base}/api/sts`)({});
    expect('objectInfoUrl' in credentials).toBe(false);
  });

  it.each([401, 429, 502, 504])('keeps status %i and the error code of the JSON body', async (status) => {
    server.use(
      http.get(`${base}/api/sts`, () =>
        HttpResponse.json({ error: { code: 'TokenUnavailable', message: 'try later' } }, { status, headers: { 'Retry-After': '7' } }),
      ),
    );
    const err = await fetchTokenEndpoint(`${base}/api/sts`)({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ status, ossCode: 'TokenUnavailable', retryAfterMs: 7000 });
    expect((err as Error).message).toContain('try later');
  });

  it('reports a body that is not our error JSON by its status alone', async () => {
    server.use(http.get(`${base}/api/sts`, () => new HttpResponse('<html>Bad gateway</html>', { status: 502 })));
    await expect(fetchTokenEndpoint(`${base}/api/sts`)({})).rejects.toMatchObject({ status: 502, ossCode: undefined });
  });

  it('rejects a 200 without usable credentials', async () => {
    server.use(http.get(`${base}/api/sts`, () => HttpResponse.json({ accessKeyId: 'only this' })));
    await expect(fetchTokenEndpoint(`${base}/api/sts`)({})).rejects.toMatchObject({ status: 200, ossCode: 'InvalidTokenResponse' });
  });

  it('reports an unreachable endpoint as a network error (status 0)', async () => {
    server.use(http.get(`${base}/api/sts`, () => HttpResponse.error()));
    await expect(fetchTokenEndpoint(`${base}/api/sts`)({})).rejects.toMatchObject({ name: 'EngineError', status: 0 });
  });

  it('passes an abort through as an AbortError', async () => {
    server.use(http.get(`${base}/api/sts`, () => new Promise<never>(() => undefined)));
    const controller = new AbortController();
    const pending = fetchTokenEndpoint(`${base}/api/sts`)({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
