import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createObjectInfoSource } from '../../src/engine/oss/object-info';
import { makeCredentials } from './fixtures';

// msw stands in for the token endpoint's object-info route; the route itself is tested against the local OSS.
const ROUTE = 'http://token.test/api/object';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const credentials = makeCredentials({ objectInfoUrl: ROUTE });
const key = 'uploads/u1/a file + é?.bin';

describe('createObjectInfoSource', () => {
  it('asks the route named by the credentials about the key, and returns what it holds', async () => {
    const asked: string[] = [];
    server.use(
      http.get(ROUTE, ({ request }) => {
        asked.push(new URL(request.url).searchParams.get('key') ?? '');
        return HttpResponse.json({ exists: true, size: 10, crc64: '77', etag: '"E-2"' });
      }),
    );
    await expect(createObjectInfoSource().get({ credentials, key })).resolves.toEqual({ exists: true, size: 10, crc64: '77', etag: '"E-2"' });
    expect(asked).toEqual([key]);
  });

  it('returns exists: false for a key that holds nothing', async () => {
    server.use(http.get(ROUTE, () => HttpResponse.json({ exists: false })));
    await expect(createObjectInfoSource().get({ credentials, key })).resolves.toEqual({ exists: false });
  });

  it('cannot tell (undefined) without a route in the credentials, asking nothing', async () => {
    await expect(createObjectInfoSource().get({ credentials: makeCredentials(), key })).resolves.toBeUndefined();
  });

  it.each([
    ['an error status', () => HttpResponse.json({ error: { code: 'ObjectInfoUnavailable', message: 'no' } }, { status: 502 })],
    ['a body that is not JSON', () => new HttpResponse('<html></html>', { status: 200 })],
    ['a size that is not a whole number', () => HttpResponse.json({ exists: true, size: 1.5, crc64: '1', etag: null })],
    ['a body without exists', () => HttpResponse.json({ size: 10 })],
    ['a network error', () => HttpResponse.error()],
  ])('cannot tell (undefined) on %s', async (_name, answer) => {
    server.use(http.get(ROUTE, answer));
    await expect(createObjectInfoSource().get({ credentials, key })).resolves.toBeUndefined();
  });

  it('passes an abort on instead of hiding it', async () => {
    server.use(
      http.get(ROUTE, async () => {
        await delay('infinite');
        return HttpResponse.json({ exists: false });
      }),
    );
    const controller = new AbortController();
    const asking = createObjectInfoSource().get({ credentials, key, signal: controller.signal });
    controller.abort();
    await expect(asking).rejects.toMatchObject({ name: 'AbortError' });
  });
});
