import { describe, expect, it } from 'vitest';
import { createXhrTransport } from '../../src/engine/transfer/xhr-transport';
import { fakeXhrFactory } from './fake-xhr';

describe('createXhrTransport with an upload callback', () => {
  function put(headers: Record<string, string>) {
    const xhrs = fakeXhrFactory();
    const transport = createXhrTransport({ createXhr: xhrs.create });
    const result = transport.put({
      url: 'http://oss.test/uploads/a.txt?OSSAccessKeyId=AK&Expires=1&Signature=x',
      body: new Blob(['hello']),
      headers,
      signal: new AbortController().signal,
      onProgress: () => undefined,
      stallTimeoutMs: 60_000,
    });
    return { xhr: xhrs.last(), result };
  }

  it('sends the extra headers and returns the JSON answer of a PutObject with a callback', async () => {
    const { xhr, result } = put({ 'x-oss-callback': 'Y2I=', 'x-oss-callback-var': 'dg==', 'Cache-Control': 'no-cache' });
    expect(xhr.requestHeaders).toMatchObject({ 'x-oss-callback': 'Y2I=', 'x-oss-callback-var': 'dg==', 'Cache-Control': 'no-cache' });
    xhr.respond(200, { ETag: '"ABC"', 'x-oss-hash-crc64ecma': '1' }, '{"upload":{"id":"r1"}}');
    await expect(result).resolves.toEqual({ etag: '"ABC"', crc64: '1', status: 200, body: '{"upload":{"id":"r1"}}' });
  });

  it('a 203 CallbackFailed PutObject resolves (the object is stored) with its status', async () => {
    const { xhr, result } = put({ 'x-oss-callback': 'Y2I=' });
    xhr.respond(203, { ETag: '"ABC"', 'x-oss-hash-crc64ecma': '1' }, '<Error><Code>CallbackFailed</Code></Error>');
    await expect(result).resolves.toMatchObject({ etag: '"ABC"', status: 203 });
  });
});
