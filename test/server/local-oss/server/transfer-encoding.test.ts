import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, startHarness, type Harness } from './harness';

const APP_ORIGIN = 'http://localhost:5173';
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ corsAllowedOrigins: [APP_ORIGIN] });
});

afterAll(async () => {
  await harness.dispose();
});

/** Sends `raw` on a fresh connection; resolves with everything the server sent once it closed. */
function exchange(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: harness.oss.port, host: '127.0.0.1' }, () => socket.write(raw));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

describe('Content-Length together with Transfer-Encoding: chunked', () => {
  it('ali-oss put of a stream with a Content-Length header: 501 NotImplemented with a request id, nothing stored', async () => {
    const client = harness.client();
    const error = await failureOf(client.put('te/stream.txt', Readable.from([Buffer.from('hello')]), { headers: { 'Content-Length': 5 } } as never));
    expect(error).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(error.message).toContain('Transfer-Encoding');
    expect(await failureOf(client.head('te/stream.txt'))).toMatchObject({ status: 404 });
    // The same stream without the header is sent chunked alone, and stored.
    await client.put('te/stream.txt', Readable.from([Buffer.from('hello')]));
    expect(((await client.get('te/stream.txt')).content as Buffer).toString()).toBe('hello');
  });

  it('a raw request: OSS error XML, request id, CORS headers, and the connection closed', async () => {
    const url = new URL(harness.client().signatureUrl('te/raw.txt', { method: 'PUT', expires: 600 }));
    const response = await exchange(
      `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${APP_ORIGIN}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    const [head = '', body = ''] = response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 501 /);
    expect(head).toMatch(/\r\nx-oss-request-id: [0-9A-F]{24}\r\n/);
    expect(head).toContain(`\r\nAccess-Control-Allow-Origin: ${APP_ORIGIN}\r\n`);
    expect(head).toContain('\r\nConnection: close');
    expect(body).toContain('<Code>NotImplemented</Code>');
    expect(body).toMatch(/<RequestId>[0-9A-F]{24}<\/RequestId>/);
    expect(await failureOf(harness.client().head('te/raw.txt'))).toMatchObject({ status: 404 });
  });

  it('any other malformed request gets an OSS error too (400 InvalidRequest), not a bare 400', async () => {
    const response = await exchange(`PUT /test-bucket/x HTTP/1.1\r\nHost: localhost\r\nOrigin: ${APP_ORIGIN}\r\nContent-Length: abc\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toContain('<Code>InvalidRequest</Code>');
    expect(response).toContain(`Access-Control-Allow-Origin: ${APP_ORIGIN}`);
  });
});
