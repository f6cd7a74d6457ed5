import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createAliOssClient, createOssControl, toEngineError, type OssClient, type OssClientFactory } from '../../src/engine/oss/oss-control';
import { EngineError } from '../../src/engine/errors/engine-error';
import { makeCredentials } from './fixtures';

// Runs ali-oss's Node build (what `import('ali-oss')` resolves to outside a bundler) against msw.
const OBJECT_URL = 'http://oss.test/uploads/users/42/video.mp4';
const KEY = 'users/42/video.mp4';
const credentials = makeCredentials();

function ossError(status: number, code: string, requestId: string) {
  return new HttpResponse(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code} happened</Message><RequestId>${requestId}</RequestId><HostId>oss.test</HostId></Error>`,
    { status, headers: { 'Content-Type': 'application/xml', 'x-oss-request-id': requestId } },
  );
}

function xml(body: string, headers: Record<string, string> = {}) {
  return new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status: 200, headers: { 'Content-Type': 'application/xml', ...headers } });
}

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('createOssControl', () => {
  it('initiates with the file type and the STS token, signed with the credentials', async () => {
    let seen: Request | undefined;
    server.use(
      http.post(OBJECT_URL, ({ request }) => {
        seen = request;
        return xml(`<InitiateMultipartUploadResult><Bucket>uploads</Bucket><Key>${KEY}</Key><UploadId>UP-1</UploadId></InitiateMultipartUploadResult>`);
      }),
    );
    const result = await createOssControl().initiate({ credentials, key: KEY, contentType: 'video/mp4' });
    expect(result).toEqual({ uploadId: 'UP-1' });
    expect(new URL(seen!.url).searchParams.has('uploads')).toBe(true);
    expect(seen!.headers.get('content-type')).toBe('video/mp4');
    expect(seen!.headers.get('authorization')).toMatch(/^OSS STS\.testAK:/);
    expect(seen!.headers.get('x-oss-security-token')).toBe(credentials.securityToken);
  });

  it('lists every page of parts, including a page holding a single part, with their CRC-64', async () => {
    const markers: Array<string | null> = [];
    server.use(
      http.get(OBJECT_URL, ({ request }) => {
        const marker = new URL(request.url).searchParams.get('part-number-marker');
        markers.push(marker);
        const part = (n: number) =>
          `<Part><PartNumber>${n}</PartNumber><LastModified>2030-01-01T00:00:00.000Z</LastModified><ETag>"E${n}"</ETag><HashCrc64ecma>${n}000</HashCrc64ecma><Size>102400</Size></Part>`;
        return marker === null
          ? xml(`<ListPartsResult><Bucket>uploads</Bucket><Key>${KEY}</Key><UploadId>UP-1</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>${part(1)}${part(2)}</ListPartsResult>`)
          : xml(`<ListPartsResult><Bucket>uploads</Bucket><Key>${KEY}</Key><UploadId>UP-1</UploadId><PartNumberMarker>2</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker><MaxParts>2</MaxParts><IsTruncated>false</IsTruncated>${part(3)}</ListPartsResult>`);
      }),
    );
    // Each page is announced as it arrives, saying whether more follow.
    const pages: boolean[] = [];
    const parts = await createOssControl().listParts({ credentials, key: KEY, uploadId: 'UP-1', onPage: (more) => pages.push(more) });
    expect(markers).toEqual([null, '2']);
    expect(pages).toEqual([true, false]);
    expect(parts).toEqual([
      { number: 1, etag: '"E1"', size: 102400, crc64: '1000' },
      { number: 2, etag: '"E2"', size: 102400, crc64: '2000' },
      { number: 3, etag: '"E3"', size: 102400, crc64: '3000' },
    ]);
  });

  it('lists no parts as an empty array', async () => {
    server.use(
      http.get(OBJECT_URL, () =>
        xml(`<ListPartsResult><Bucket>uploads</Bucket><Key>${KEY}</Key><UploadId>UP-1</UploadId><PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated></ListPartsResult>`),
      ),
    );
    await expect(createOssControl().listParts({ credentials, key: KEY, uploadId: 'UP-1' })).resolves.toEqual([]);
  });

  it('reports a vanished upload as NoSuchUpload with status and request id', async () => {
    server.use(http.get(OBJECT_URL, () => ossError(404, 'NoSuchUpload', 'REQ-404')));
    const err = await createOssControl().listParts({ credentials, key: KEY, uploadId: 'GONE' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ status: 404, ossCode: 'NoSuchUpload', requestId: 'REQ-404' });
  });

  it('completes with the parts in order and returns the ETag and CRC-64 headers', async () => {
    let body = '';
    server.use(
      http.post(OBJECT_URL, async ({ request }) => {
        body = await request.text();
        return xml(`<CompleteMultipartUploadResult><Bucket>uploads</Bucket><Key>${KEY}</Key><ETag>"WHOLE-2"</ETag></CompleteMultipartUploadResult>`, {
          ETag: '"WHOLE-2"',
          'x-oss-hash-crc64ecma': '987654321',
        });
      }),
    );
    const result = await createOssControl().complete({
      credentials,
      key: KEY,
      uploadId: 'UP-1',
      parts: [
        { number: 2, etag: '"E2"' },
        { number: 1, etag: '"E1"' },
      ],
    });
    expect(result).toEqual({ etag: '"WHOLE-2"', crc64: '987654321' });
    expect(body.indexOf('<PartNumber>1</PartNumber>')).toBeLessThan(body.indexOf('<PartNumber>2</PartNumber>'));
    expect(body).toContain('<ETag>"E1"</ETag>');
  });

  it('aborts an upload', async () => {
    let uploadId: string | null = null;
    server.use(
      http.delete(OBJECT_URL, ({ request }) => {
        uploadId = new URL(request.url).searchParams.get('uploadId');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await createOssControl().abort({ credentials, key: KEY, uploadId: 'UP-1' });
    expect(uploadId).toBe('UP-1');
  });

  it('signs a part PUT URL with OSS V1 query authentication carrying the STS token', async () => {
    const url = new URL(
      await createOssControl().signPutUrl({ credentials, key: KEY, uploadId: 'UP-1', partNumber: 7, contentType: 'video/mp4', expiresSeconds: 600 }),
    );
    expect(url.origin + url.pathname).toBe(OBJECT_URL);
    const q = url.searchParams;
    expect(q.get('OSSAccessKeyId')).toBe(credentials.accessKeyId);
    expect(q.get('partNumber')).toBe('7');
    expect(q.get('uploadId')).toBe('UP-1');
    expect(q.get('security-token')).toBe(credentials.securityToken);
    const expires = Number(q.get('Expires'));
    expect(expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(500);
    const stringToSign = `PUT\n\nvideo/mp4\n${expires}\n/uploads/${KEY}?partNumber=7&security-token=${credentials.securityToken}&uploadId=UP-1`;
    expect(q.get('Signature')).toBe(createHmac('sha1', credentials.accessKeySecret).update(stringToSign).digest('base64'));
  });

  it('signs a whole-object PUT URL when no part is given', async () => {
    const url = new URL(await createOssControl().signPutUrl({ credentials, key: KEY }));
    expect(url.searchParams.has('partNumber')).toBe(false);
    expect(url.searchParams.has('uploadId')).toBe(false);
  });

  it('reports a failure to sign (an IP endpoint) as a non-retryable error', async () => {
    const ipCredentials = makeCredentials({ endpoint: 'http://127.0.0.1:9000' });
    await expect(createOssControl().signPutUrl({ credentials: ipCredentials, key: KEY, uploadId: 'U', partNumber: 1 })).rejects.toMatchObject({
      status: 400,
      ossCode: 'SignatureUrlFailed',
    });
  });

  it('reports a connection failure as status 0', async () => {
    server.use(http.post(OBJECT_URL, () => HttpResponse.error()));
    await expect(createOssControl().initiate({ credentials, key: KEY, contentType: '' })).rejects.toMatchObject({ name: 'EngineError', status: 0 });
  });

  it('stops waiting with an AbortError when the signal aborts', async () => {
    server.use(http.post(OBJECT_URL, () => new Promise<never>(() => undefined)));
    const controller = new AbortController();
    const pending = createOssControl().initiate({ credentials, key: KEY, contentType: '', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('starts loading the SDK on preload, without credentials, and tries again after a failed load', async () => {
    let loads = 0;
    const control = createOssControl({
      createClient: createAliOssClient,
      preload: async () => {
        loads++;
        if (loads === 1) throw new Error('chunk failed to load');
      },
    });
    control.preload?.();
    expect(loads).toBe(1);
    // A failed load is not an unhandled rejection; the next preload tries again.
    await Promise.resolve();
    control.preload?.();
    expect(loads).toBe(2);
  });

  it('builds one client per set of credentials and a new one after a refresh', async () => {
    const built: string[] = [];
    const counting: OssClientFactory = (options) => {
      built.push(options.accessKeyId);
      return createAliOssClient(options);
    };
    const control = createOssControl({ createClient: counting });
    await control.signPutUrl({ credentials, key: KEY });
    await control.signPutUrl({ credentials, key: KEY, uploadId: 'U', partNumber: 1 });
    await control.signPutUrl({ credentials: makeCredentials({ accessKeyId: 'STS.refreshedAK' }), key: KEY });
    expect(built).toEqual(['STS.testAK', 'STS.refreshedAK']);
  });
});

describe('clock skew', () => {
  /** A client that, like ali-oss after a RequestTimeTooSkewed, learns the offset on its first call. */
  function skewLearningClient(learnedSkewMs: number, signed: Array<Record<string, unknown>>) {
    const options = { amendTimeSkewed: 0 };
    const client: OssClient = {
      options,
      async initMultipartUpload() {
        options.amendTimeSkewed = learnedSkewMs;
        return { uploadId: 'U' };
      },
      listParts: async () => ({ parts: [], isTruncated: 'false', nextPartNumberMarker: '' }),
      completeMultipartUpload: async () => ({ res: { headers: {} } }),
      abortMultipartUpload: async () => undefined,
      signatureUrl(_name, opts) {
        signed.push(opts);
        return 'http://oss.test/signed';
      },
    };
    return client;
  }

  it('shifts presigned URL expiry by the server clock offset ali-oss learned, also for clients made later', async () => {
    const signed: Array<Record<string, unknown>> = [];
    const made: OssClient[] = [];
    const control = createOssControl({
      createClient: async () => {
        const client = skewLearningClient(-2 * 3_600_000, signed);
        made.push(client);
        return client;
      },
    });
    await control.signPutUrl({ credentials, key: KEY, uploadId: 'U', partNumber: 1, expiresSeconds: 600 });
    await control.initiate({ credentials, key: KEY, contentType: '' });
    await control.signPutUrl({ credentials, key: KEY, uploadId: 'U', partNumber: 1, expiresSeconds: 600 });
    await control.signPutUrl({ credentials: makeCredentials({ accessKeyId: 'STS.refreshedAK' }), key: KEY, expiresSeconds: 600 });
    expect(signed.map((o) => o.expires)).toEqual([600, 600 - 7200, 600 - 7200]);
    expect(made[1]!.options?.amendTimeSkewed).toBe(-2 * 3_600_000);
  });
});

describe('toEngineError', () => {
  it('maps ali-oss network errors to status 0 and timeouts to -1', () => {
    expect(toEngineError(Object.assign(new Error('XHR error'), { name: 'RequestError', status: -1 }))).toMatchObject({ status: 0 });
    expect(toEngineError(Object.assign(new Error('slow'), { name: 'ConnectionTimeoutError', status: -2 }))).toMatchObject({ status: -1 });
    expect(toEngineError(Object.assign(new Error('slow'), { name: 'ResponseTimeoutError' }))).toMatchObject({ status: -1 });
  });

  it('keeps HTTP status, OSS code and request id', () => {
    const err = Object.assign(new Error('expired'), { name: 'SecurityTokenExpiredError', status: 403, code: 'SecurityTokenExpired', requestId: 'R1' });
    expect(toEngineError(err)).toMatchObject({ status: 403, ossCode: 'SecurityTokenExpired', requestId: 'R1', message: 'expired' });
  });
});
