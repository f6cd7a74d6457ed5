import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createOssControl } from '../../src/engine/oss/oss-control';
import { makeCredentials } from './fixtures';

// ali-oss's Node build against msw: the callback headers reach OSS on Complete, and its answers come back.
const OBJECT_URL = 'http://oss.test/uploads/users/42/video.mp4';
const KEY = 'users/42/video.mp4';
const credentials = makeCredentials();
const HEADERS = { 'x-oss-callback': 'Y2FsbGJhY2s=', 'x-oss-callback-var': 'dmFy', 'x-oss-forbid-overwrite': 'true' };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('createOssControl with an upload callback', () => {
  it('sends the headers on Complete and returns the JSON answer as data', async () => {
    let seen: Request | undefined;
    const upload = { id: 'r1', key: KEY, name: 'video.mp4' };
    server.use(
      http.post(OBJECT_URL, ({ request }) => {
        seen = request;
        return HttpResponse.json({ upload }, { headers: { ETag: '"M-1"', 'x-oss-hash-crc64ecma': '42' } });
      }),
    );
    const result = await createOssControl().complete({ credentials, key: KEY, uploadId: 'UP-1', parts: [{ number: 1, etag: '"E1"' }], headers: HEADERS });
    expect(result).toEqual({ etag: '"M-1"', crc64: '42', data: { upload } });
    for (const [name, value] of Object.entries(HEADERS)) expect(seen!.headers.get(name)).toBe(value);
  });

  it('203 CallbackFailed becomes an EngineError with status 203 and that code', async () => {
    let callback: string | null = null;
    server.use(
      http.post(
        OBJECT_URL,
        ({ request }) => {
          callback = request.headers.get('x-oss-callback');
          return new HttpResponse('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>CallbackFailed</Code><Message>down</Message><RequestId>R9</RequestId></Error>', {
            status: 203,
            headers: { 'Content-Type': 'application/xml', ETag: '"M-1"' },
          });
        },
      ),
    );
    await expect(
      createOssControl().complete({ credentials, key: KEY, uploadId: 'UP-1', parts: [{ number: 1, etag: '"E1"' }], headers: HEADERS }),
    ).rejects.toMatchObject({ status: 203, ossCode: 'CallbackFailed' });
    expect(callback).toBe(HEADERS['x-oss-callback']);
  });

  it('sends object headers and the overwrite guard on Initiate', async () => {
    let seen: Request | undefined;
    server.use(
      http.post(OBJECT_URL, ({ request }) => {
        seen = request;
        return new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult><UploadId>UP-1</UploadId></InitiateMultipartUploadResult>`, {
          headers: { 'Content-Type': 'application/xml' },
        });
      }),
    );
    const headers = { 'Cache-Control': 'no-cache', 'Content-Disposition': 'attachment; filename="a.mp4"', 'x-oss-meta-project': 'alpha', 'x-oss-forbid-overwrite': 'true' };
    await createOssControl().initiate({ credentials, key: KEY, contentType: 'video/mp4', headers });
    for (const [name, value] of Object.entries(headers)) expect(seen!.headers.get(name)).toBe(value);
    expect(seen!.headers.get('content-type')).toBe('video/mp4');
  });

  it('signs the x-oss-* headers of a PutObject into its URL', async () => {
    const control = createOssControl();
    const plain = new URL(await control.signPutUrl({ credentials, key: KEY, expiresSeconds: 600 }));
    const guarded = new URL(await control.signPutUrl({ credentials, key: KEY, expiresSeconds: 600, headers: HEADERS }));
    expect(guarded.searchParams.get('Signature')).not.toBe(plain.searchParams.get('Signature'));
  });
});
