import { createHash } from 'node:crypto';
import { crc64 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, bytes, failureOf, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

const md5Etag = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
const crcDecimal = async (body: Buffer): Promise<string> => BigInt(`0x${await crc64(body)}`).toString();

describe.each([
  ['V1', false],
  ['V4', true],
])('objects through ali-oss (%s signatures)', (mode, authorizationV4) => {
  it('puts, heads, gets and deletes an object with ETag and CRC-64', async () => {
    const client = harness.client({ authorizationV4 });
    const body = bytes(70_000, 3);
    const key = `objects/${mode}/plain.bin`;
    const put = await client.put(key, body, { headers: { 'x-oss-meta-owner': 'alice', 'Content-Type': 'application/x-test' } });
    expect(put.res.status).toBe(200);
    expect(put.res.headers).toMatchObject({ etag: md5Etag(body), 'x-oss-hash-crc64ecma': await crcDecimal(body) });
    expect((put.res.headers as Record<string, string>)['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);

    const head = await client.head(key);
    expect(head.res.headers).toMatchObject({
      'content-length': '70000',
      'content-type': 'application/x-test',
      etag: md5Etag(body),
      'x-oss-object-type': 'Normal',
      'x-oss-meta-owner': 'alice',
      'x-oss-hash-crc64ecma': await crcDecimal(body),
    });
    expect(head.meta).toEqual({ owner: 'alice' });

    const got = await client.get(key);
    expect(Buffer.compare(got.content as Buffer, body)).toBe(0);

    const deleted = await client.delete(key);
    expect(deleted.res.status).toBe(204);
    expect(await failureOf(client.get(key))).toMatchObject({ code: 'NoSuchKey', status: 404 });
  });

  it('serves single ranges with 206 and the whole object for an invalid range', async () => {
    const client = harness.client({ authorizationV4 });
    const body = bytes(1000, 4);
    const key = `objects/${mode}/range.bin`;
    await client.put(key, body);
    const partial = await client.get(key, { headers: { Range: 'bytes=100-199' } });
    expect(partial.res.status).toBe(206);
    expect(partial.res.headers).toMatchObject({ 'content-range': 'bytes 100-199/1000', 'x-oss-hash-crc64ecma': await crcDecimal(body) });
    expect(Buffer.compare(partial.content as Buffer, body.subarray(100, 200))).toBe(0);
    const suffix = await client.get(key, { headers: { Range: 'bytes=-10' } });
    expect(Buffer.compare(suffix.content as Buffer, body.subarray(990))).toBe(0);
    const invalid = await client.get(key, { headers: { Range: 'bytes=5000-' } });
    expect(invalid.res.status).toBe(200);
    expect((invalid.content as Buffer).length).toBe(1000);
  });
});

describe('empty objects', () => {
  it('stores and serves a zero-byte object with the MD5 and CRC-64 of nothing', async () => {
    const client = harness.client();
    const put = await client.put('objects/empty.txt', Buffer.alloc(0));
    expect(put.res.headers).toMatchObject({ etag: '"D41D8CD98F00B204E9800998ECF8427E"', 'x-oss-hash-crc64ecma': '0' });
    const got = await client.get('objects/empty.txt');
    expect((got.content as Buffer).length).toBe(0);
    expect(got.res.headers).toMatchObject({ 'content-length': '0' });
  });
});

describe('object keys', () => {
  it.each([
    'users/42/hello world+(1).txt',
    'ünïcødé/日本語 文件.mp4',
    "odd/a+b&c%d(e)f!g'h*i~j=k?l#m.bin",
    'emoji/😀.txt',
  ])('round-trips %s and lists it by its exact name', async (key) => {
    const client = harness.client();
    await client.put(key, Buffer.from(key));
    expect((await client.get(key)).content.toString()).toBe(key);
    const listed = await client.list({ prefix: key, 'max-keys': 10 }, {});
    expect(listed.objects.map((object) => object.name)).toEqual([key]);
  });

  it('rejects a key longer than 1023 bytes with InvalidObjectName', async () => {
    expect(await failureOf(harness.client().put('k'.repeat(1024), Buffer.from('x')))).toMatchObject({ code: 'InvalidObjectName', status: 400 });
  });

  it('rejects a key starting with a backslash with InvalidObjectName', async () => {
    expect(await failureOf(harness.client().put('\\start', Buffer.from('x')))).toMatchObject({ code: 'InvalidObjectName', status: 400 });
  });
});

describe('PutObject rules', () => {
  it('refuses to overwrite with x-oss-forbid-overwrite and keeps the original', async () => {
    const client = harness.client();
    await client.put('rules/once.txt', Buffer.from('original'));
    const error = await failureOf(client.put('rules/once.txt', Buffer.from('second'), { headers: { 'x-oss-forbid-overwrite': 'true' } }));
    expect(error).toMatchObject({ code: 'FileAlreadyExists', status: 409 });
    expect((await client.get('rules/once.txt')).content.toString()).toBe('original');
  });

  it('overwrites by default', async () => {
    const client = harness.client();
    await client.put('rules/twice.txt', Buffer.from('original'));
    await client.put('rules/twice.txt', Buffer.from('second'));
    expect((await client.get('rules/twice.txt')).content.toString()).toBe('second');
  });

  it('checks Content-MD5 and rejects a mismatch with InvalidDigest, storing nothing', async () => {
    const client = harness.client();
    const body = Buffer.from('digest me');
    const good = createHash('md5').update(body).digest('base64');
    await client.put('rules/md5-ok.txt', body, { headers: { 'Content-MD5': good } });
    const wrong = createHash('md5').update('other').digest('base64');
    expect(await failureOf(client.put('rules/md5-bad.txt', body, { headers: { 'Content-MD5': wrong } }))).toMatchObject({ code: 'InvalidDigest', status: 400 });
    expect(await failureOf(client.head('rules/md5-bad.txt'))).toMatchObject({ status: 404 });
  });

  it('rejects a declared body over 5 GiB with EntityTooLarge before reading it', async () => {
    const url = await harness.client().signatureUrl('rules/huge.bin', { method: 'PUT' });
    const { request } = await import('node:http');
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'PUT', headers: { 'Content-Length': String(5 * 1024 ** 3 + 1) } }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        // The server answers without waiting for the body; stop sending once the answer is in.
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('a few bytes');
    });
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>EntityTooLarge</Code>');
  });
});

describe('responses', () => {
  it('answers HEAD errors without a body but with the error in x-oss-err', async () => {
    // The typings list no HEAD, but signatureUrl signs any method.
    const url = await harness.client().signatureUrl('missing/object.txt', { method: 'HEAD' as 'GET' });
    const response = await fetch(url, { method: 'HEAD' });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-oss-request-id')).toMatch(/^[0-9A-F]{24}$/);
    expect(Buffer.from(response.headers.get('x-oss-err') ?? '', 'base64').toString()).toContain('<Code>NoSuchKey</Code>');
    expect(await response.text()).toBe('');
  });

  it('renders errors as OSS XML with the request id of the response', async () => {
    const url = await harness.client().signatureUrl('missing/object.txt');
    const response = await fetch(url);
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/xml');
    expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message>/);
    expect(text).toContain(`<RequestId>${response.headers.get('x-oss-request-id')}</RequestId>`);
  });

  it('answers an unknown bucket with NoSuchBucket', async () => {
    const client = harness.client({ bucket: 'no-such-bucket' });
    expect(await failureOf(client.put('x', Buffer.from('x')))).toMatchObject({ code: 'NoSuchBucket', status: 404 });
  });

  it('serves virtual-host style requests addressed by the Host header', async () => {
    await harness.client().put('vhost/file.txt', Buffer.from('via host'));
    const pathStyle = new URL(await harness.client().signatureUrl('vhost/file.txt'));
    // Same signed query; only the addressing changes from /bucket/key to bucket.host/key.
    const { request } = await import('node:http');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: harness.oss.port, path: `/vhost/file.txt${pathStyle.search}`, headers: { Host: `${BUCKET}.localhost:${harness.oss.port}` } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('200 via host');
  });
});
