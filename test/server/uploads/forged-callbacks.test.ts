import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenErrorResponse, TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { CookieJar } from '../token/app-fixtures';
import { BUCKET, clientFor, startLocalUploadStack, tokenFor, type LocalUploadStack } from './local-stack';

// Callbacks the route must refuse. OSS's signature only proves that OSS sent the request: the
// browser wrote the body template, and any OSS customer can make OSS call any URL. So beyond the
// signature, the key's prefix names the visitor and a HEAD must find exactly that object.
let stack: LocalUploadStack;
let jar: CookieJar;
let token: TokenResponse;
let ossKey: string;
let attacker: string;
let keyServer: Server;
let keyServerHits = 0;
let keyServerUrl: string;

beforeAll(async () => {
  stack = await startLocalUploadStack();
  jar = new CookieJar();
  token = await tokenFor(stack.app, jar);
  // The local OSS's own signing key, kept in its data dir: what a replayed callback is signed with.
  ossKey = await readFile(join(stack.dataDir, 'callback-private-key.pem'), 'utf8');
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  attacker = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const attackerPublic = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  keyServer = createServer((_, res) => {
    keyServerHits++;
    res.end(attackerPublic);
  });
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/key.pem`;
});
afterAll(async () => {
  await new Promise((resolve) => keyServer?.close(resolve));
  await stack?.close();
});

const PATH = '/api/uploads/callback';

function sign(body: string, privateKey: string): string {
  return createSign('RSA-MD5').update(`${PATH}\n${body}`).sign(privateKey, 'base64');
}

async function postCallback(body: string, options: { key?: string; publicKeyUrl?: string } = {}): Promise<Response> {
  return stack.app.request(`${stack.appUrl}${PATH}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: sign(body, options.key ?? ossKey),
      'x-oss-pub-key-url': Buffer.from(options.publicKeyUrl ?? `${stack.oss.url}/__oss/callback-public-key.pem`).toString('base64'),
    },
    body,
  });
}

function formBody(fields: Record<string, string>): string {
  return new URLSearchParams({ bucket: BUCKET, size: '1', crc64: '0', mimeType: 'text/plain', name: '', ...fields }).toString();
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as TokenErrorResponse).error.code;
}

async function recordCount(): Promise<number> {
  const { rows } = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads');
  return rows[0]!.n;
}

async function uploadOne(name: string): Promise<{ key: string; etag: string }> {
  const key = `${token.prefix}${name}`;
  const result = (await clientFor(token).put(key, randomBytes(1000))) as unknown as { res: { headers: Record<string, string> } };
  return { key, etag: result.res.headers.etag!.replace(/"/g, '') };
}

describe('forged and replayed callbacks', () => {
  it('a body signed with another key is refused (403), nothing recorded', async () => {
    const { key, etag } = await uploadOne('a.txt');
    const response = await postCallback(formBody({ object: key, etag }), { key: attacker });
    expect(response.status).toBe(403);
    expect(await codeOf(response)).toBe('CallbackRefused');
    expect(await recordCount()).toBe(0);
  });

  it('a public-key URL on another host is refused without fetching it', async () => {
    const { key, etag } = await uploadOne('b.txt');
    const response = await postCallback(formBody({ object: key, etag }), { key: attacker, publicKeyUrl: keyServerUrl });
    expect(response.status).toBe(403);
    expect(keyServerHits).toBe(0);
    expect(await recordCount()).toBe(0);
  });

  it('a key outside every visitor prefix is refused, even correctly signed', async () => {
    for (const object of ['elsewhere/abc/file.txt', 'uploads/', 'uploads/no-name-after-prefix', 'uploads/bad*subject/file.txt', `${token.prefix}../x/file.txt`]) {
      const response = await postCallback(formBody({ object, etag: 'ABC' }));
      expect(response.status, object).toBe(403);
    }
    expect(await recordCount()).toBe(0);
  });

  it('another bucket, or an uploader that does not own the key, is refused', async () => {
    const { key, etag } = await uploadOne('c.txt');
    expect((await postCallback(formBody({ object: key, etag, bucket: 'someone-elses-bucket' }))).status).toBe(403);
    expect((await postCallback(formBody({ object: key, etag, uploader: 'someoneElse' }))).status).toBe(403);
    expect(await recordCount()).toBe(0);
  });

  it('an ETag the object does not have (a literal the browser wrote) is refused', async () => {
    const { key } = await uploadOne('d.txt');
    const response = await postCallback(formBody({ object: key, etag: '0123456789ABCDEF0123456789ABCDEF' }));
    expect(response.status).toBe(409);
    expect(await codeOf(response)).toBe('CallbackStale');
    expect(await recordCount()).toBe(0);
  });

  it('a replay finds the same record, and after a delete resurrects nothing', async () => {
    const { key, etag } = await uploadOne('e.txt');
    const body = formBody({ object: key, etag, uploader: token.prefix.split('/')[1]! });
    const first = await postCallback(body);
    expect(first.status).toBe(200);
    const { upload } = (await first.json()) as UploadCallbackAnswer;
    // The facts come from OSS's HEAD, not from the body (which said size=1).
    expect(upload.size).toBe(1000);

    const replay = await postCallback(body);
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as UploadCallbackAnswer).upload.id).toBe(upload.id);
    expect(await recordCount()).toBe(1);

    const deleted = await stack.app.request(`http://localhost/api/uploads/${upload.id}`, { method: 'DELETE', headers: jar.header() });
    expect(deleted.status).toBe(204);
    const late = await postCallback(body);
    expect(late.status).toBe(409);
    expect(await recordCount()).toBe(0);
    // The list reconciles the visitor's prefix (the earlier tests' objects are stored there and get
    // records); the deleted key is not among them.
    const list = (await (await stack.app.request('http://localhost/api/uploads', { headers: jar.header() })).json()) as UploadListResponse;
    expect(list.uploads.map((u) => u.key)).not.toContain(key);
    expect(list.uploads.length).toBeGreaterThan(0);
    expect(await postCallback(body).then((r) => r.status)).toBe(409);
  });

  it('no Authorization or no public-key URL: 400 InvalidCallback', async () => {
    const body = formBody({ object: `${token.prefix}a.txt`, etag: 'X' });
    const bare = await stack.app.request(`${stack.appUrl}${PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expect(bare.status).toBe(400);
    expect(await codeOf(bare)).toBe('InvalidCallback');
    const noKey = await stack.app.request(`${stack.appUrl}${PATH}`, { method: 'POST', headers: { Authorization: sign(body, ossKey) }, body });
    expect(noKey.status).toBe(400);
  });
});
