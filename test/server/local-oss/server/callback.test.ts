import { createVerify } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, failureOf, startHarness, type Harness } from './harness';

/** Small, so the slow case is quick; the default is 5 s as on OSS. */
const CALLBACK_TIMEOUT_MS = 300;

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  verified: boolean;
}

let harness: Harness;
let app: Server;
let appUrl: string;
const received: Received[] = [];
/** How the app server answers, per path. */
const behaviours: Record<string, (res: ServerResponse) => void> = {
  '/ok': (res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ status: 'recorded' }));
  },
  '/error': (res) => {
    res.statusCode = 500;
    res.end('{}');
  },
  '/not-json': (res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.end('fine');
  },
  '/slow': (res) => {
    setTimeout(() => res.end('{}'), CALLBACK_TIMEOUT_MS * 10).unref();
  },
};

/** What an app server does: fetch the key named by x-oss-pub-key-url and verify the signature. */
async function verify(req: IncomingMessage, body: Buffer): Promise<boolean> {
  const keyUrl = Buffer.from(String(req.headers['x-oss-pub-key-url']), 'base64').toString('utf8');
  const publicKey = await (await fetch(keyUrl)).text();
  const [path = '', query] = (req.url ?? '').split('?');
  const signed = Buffer.concat([Buffer.from(`${decodeURIComponent(path)}${query === undefined ? '' : `?${query}`}\n`), body]);
  return createVerify('RSA-MD5').update(signed).verify(publicKey, String(req.headers.authorization), 'base64');
}

beforeAll(async () => {
  harness = await startHarness({ callbackTimeoutMs: CALLBACK_TIMEOUT_MS });
  app = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void verify(req, body).then((verified) => {
        received.push({ path: req.url ?? '', headers: req.headers, body: body.toString('utf8'), verified });
        (behaviours[(req.url ?? '').split('?')[0] ?? ''] ?? behaviours['/ok']!)(res);
      });
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
  await harness.dispose();
});

const last = (): Received => received[received.length - 1]!;

describe('upload callback', () => {
  it('PutObject: a signed form callback with the variables filled in; its JSON comes back to ali-oss', async () => {
    const client = harness.client();
    const result = (await client.put('cb/put one.txt', Buffer.from('hello'), {
      headers: { 'Content-Type': 'text/plain' },
      callback: {
        url: `${appUrl}/ok?from=oss`,
        host: 'app.example',
        body: 'bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}&crc64=${crc64}&md5=${contentMd5}&op=${operation}&req=${reqId}&who=${x:uploader}',
        customValue: { uploader: 'alice & bob' },
      },
    } as never)) as unknown as { data: unknown; res: { status: number; headers: Record<string, string> } };
    expect(result.data).toEqual({ status: 'recorded' });
    expect(result.res.status).toBe(200);
    const call = last();
    expect(call.verified).toBe(true);
    expect(call.path).toBe('/ok?from=oss');
    expect(call.headers.host).toBe('app.example');
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(call.body);
    const head = await client.head('cb/put one.txt');
    expect(Object.fromEntries(form)).toEqual({
      bucket: 'test-bucket',
      object: 'cb/put one.txt',
      etag: (head.res.headers as Record<string, string>).etag!.replace(/"/g, ''),
      size: '5',
      mimeType: 'text/plain',
      crc64: (head.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'],
      md5: 'XUFAKrxLKna5cZ2REBfFkg==',
      op: 'PutObject',
      req: result.res.headers['x-oss-request-id'],
      who: 'alice & bob',
    });
    const keyUrl = Buffer.from(String(call.headers['x-oss-pub-key-url']), 'base64').toString('utf8');
    expect(keyUrl).toBe(`${harness.oss.url}/__oss/callback-public-key.pem`);
    expect((await stat(join(harness.dataDir, 'callback-private-key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('multipartUpload: a JSON body, values JSON-escaped', async () => {
    const client = harness.client();
    const data = Buffer.concat([bytes(100 * 1024, 5), bytes(7, 6)]);
    const result = (await client.multipartUpload('cb/multi.bin', data, {
      partSize: 100 * 1024,
      callback: { url: `${appUrl}/ok`, body: '{"object":"${object}","size":${size},"note":"${x:note}","op":"${operation}"}', contentType: 'application/json', customValue: { note: 'say "hi"\n' } },
    } as never)) as unknown as { data: unknown };
    expect(result.data).toEqual({ status: 'recorded' });
    const call = last();
    expect(call.verified).toBe(true);
    expect(JSON.parse(call.body)).toEqual({ object: 'cb/multi.bin', size: data.length, note: 'say "hi"\n', op: 'CompleteMultipartUpload' });
  });

  it.each([
    ['the callback server is down', 'http://127.0.0.1:9/down'],
    ['it answers 500', '/error'],
    ['it answers something other than JSON', '/not-json'],
    ['it answers too slowly', '/slow'],
  ])('203 CallbackFailed when %s; the object is stored', async (_name, path) => {
    const client = harness.client();
    const url = path.startsWith('http') ? path : `${appUrl}${path}`;
    const key = `cb/failed${path.replace(/\W/g, '-')}`;
    const error = await failureOf(client.put(key, Buffer.from('kept'), { callback: { url, body: 'object=${object}' } } as never));
    expect(error).toMatchObject({ status: 203, code: 'CallbackFailed' });
    expect(((await client.get(key)).content as Buffer).toString()).toBe('kept');
  });

  it('refuses a non-loopback callback URL and a callback without body, storing nothing', async () => {
    const client = harness.client();
    expect(await failureOf(client.put('cb/refused', Buffer.from('x'), { callback: { url: 'http://example.com/cb', body: 'a=b' } } as never))).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
    });
    expect(await failureOf(client.put('cb/refused', Buffer.from('x'), { callback: { url: `${appUrl}/ok`, body: '' } } as never))).toMatchObject({ status: 400 });
    expect(await failureOf(client.head('cb/refused'))).toMatchObject({ status: 404 });
  });
});
