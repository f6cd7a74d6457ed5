import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createXhrTransport } from '../../src/engine/transfer/xhr-transport';
import { EngineError } from '../../src/engine/errors/engine-error';
import { fakeXhrFactory } from './fake-xhr';

const URL_PART_3 = 'http://oss.test/uploads/a.bin?OSSAccessKeyId=AK&Expires=1&Signature=x&partNumber=3&uploadId=U1';

function setup() {
  const xhrs = fakeXhrFactory();
  const transport = createXhrTransport({ createXhr: xhrs.create });
  const controller = new AbortController();
  const progress: number[] = [];
  const body = new Blob([new Uint8Array(1000)]);
  const put = (overrides: { contentType?: string; body?: Blob } = {}) =>
    transport.put({
      url: URL_PART_3,
      body: overrides.body ?? body,
      ...(overrides.contentType !== undefined ? { contentType: overrides.contentType } : {}),
      signal: controller.signal,
      onProgress: (loaded) => progress.push(loaded),
      stallTimeoutMs: 1000,
    });
  return { xhrs, controller, progress, body, put };
}

describe('createXhrTransport', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('PUTs the blob itself to the URL and returns ETag and CRC-64 from the response headers', async () => {
    const { xhrs, put, body } = setup();
    const result = put();
    const xhr = xhrs.last();
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe(URL_PART_3);
    expect(xhr.body).toBe(body);
    xhr.respond(200, { ETag: '"ABC"', 'x-oss-hash-crc64ecma': '12345' });
    await expect(result).resolves.toEqual({ etag: '"ABC"', crc64: '12345' });
  });

  it('reports byte progress and the full size on success', async () => {
    const { xhrs, put, progress } = setup();
    const result = put();
    xhrs.last().progress(200);
    xhrs.last().progress(700);
    xhrs.last().respond(200, { ETag: '"E"' });
    await result;
    expect(progress).toEqual([200, 700, 1000]);
  });

  it('sends exactly the signed Content-Type, and none when none was signed', async () => {
    const typed = new Blob(['x'], { type: 'video/mp4' });
    const a = setup();
    void a.put({ contentType: 'video/mp4', body: typed });
    expect(a.xhrs.last().requestHeaders['Content-Type']).toBe('video/mp4');
    const b = setup();
    void b.put({ body: typed });
    expect(b.xhrs.last().requestHeaders['Content-Type']).toBeUndefined();
    // XHR would send the blob's own type; the body is re-typed to the empty (signed) one.
    expect(b.xhrs.last().body?.type).toBe('');
  });

  it('turns an OSS error response into an EngineError with status, code, request id and part number', async () => {
    const { xhrs, put } = setup();
    const result = put();
    xhrs.last().respond(
      403,
      { 'x-oss-request-id': 'HEADER-ID' },
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SecurityTokenExpired</Code><Message>The security token you provided has expired.</Message><RequestId>BODY-ID</RequestId></Error>',
    );
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ status: 403, ossCode: 'SecurityTokenExpired', requestId: 'BODY-ID', partNumber: 3 });
  });

  it('falls back to the x-oss-request-id header when the error has no XML body', async () => {
    const { xhrs, put } = setup();
    const result = put();
    xhrs.last().respond(503, { 'x-oss-request-id': 'HEADER-ID' }, 'Service Unavailable');
    await expect(result).rejects.toMatchObject({ status: 503, ossCode: undefined, requestId: 'HEADER-ID' });
  });

  it('explains the CORS rule when a successful response has no readable ETag', async () => {
    const { xhrs, put } = setup();
    const result = put();
    xhrs.last().respond(200, {});
    const err = await result.catch((e: unknown) => e);
    expect(err).toMatchObject({ ossCode: 'ETagNotExposed' });
    expect((err as Error).message).toMatch(/CORS.*expose ETag/);
  });

  it('reports a network error as status 0', async () => {
    const { xhrs, put } = setup();
    const result = put();
    xhrs.last().failNetwork();
    await expect(result).rejects.toMatchObject({ name: 'EngineError', status: 0, partNumber: 3 });
  });

  it('aborts the request and rejects with status -1 after the stall timeout without progress', async () => {
    const { xhrs, put } = setup();
    const result = put();
    const outcome = result.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(xhrs.last().aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(xhrs.last().aborted).toBe(true);
    expect(await outcome).toMatchObject({ name: 'EngineError', status: -1, partNumber: 3 });
  });

  it('restarts the stall timer on every progress event', async () => {
    const { xhrs, put } = setup();
    const result = put();
    for (let i = 1; i <= 5; i++) {
      await vi.advanceTimersByTimeAsync(900);
      xhrs.last().progress(i * 100);
    }
    expect(xhrs.last().aborted).toBe(false);
    xhrs.last().respond(200, { ETag: '"E"' });
    await expect(result).resolves.toMatchObject({ etag: '"E"' });
  });

  it('aborts the request when the signal aborts, rejecting with an AbortError', async () => {
    const { xhrs, put, controller } = setup();
    const result = put();
    controller.abort();
    await expect(result).rejects.toMatchObject({ name: 'AbortError' });
    expect(xhrs.last().aborted).toBe(true);
    // No stall error follows an abort.
    await vi.advanceTimersByTimeAsync(5000);
  });

  it('does not start a request when the signal is already aborted', async () => {
    const { put, controller, xhrs } = setup();
    controller.abort();
    await expect(put()).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => xhrs.last()).toThrow('no request');
  });
});
