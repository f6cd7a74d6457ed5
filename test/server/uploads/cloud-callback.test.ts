import { createSign, generateKeyPairSync } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { encodeFileName } from '../../../src/shared/upload-callback';
import { createTokenApp } from '../../../src/server/token/app';
import { createAssumeRole } from '../../../src/server/token/assume-role';
import { cloudOssTarget } from '../../../src/server/token/oss-target';
import { createUploadStore, openDatabase, OSS_PUBLIC_KEY_ORIGIN, type Database } from '../../../src/server/uploads';
import { CookieJar, recordingLogger, testConfig } from '../token/app-fixtures';
import { issuing, recordingStsHandler, ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET, STS_URL, type AssumeRoleCall } from '../token/sts-fake';

// Cloud mode against msw: OSS's public key comes from gosspublic.alicdn.com (fetched over https,
// once), STS issues one read credential per visitor (and one per deleted key), and the bucket's
// endpoint answers the HEAD, the ListObjects and the DELETE.
const OSS_HOST = 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com';
const PUBLIC_KEY_URL = 'http://gosspublic.alicdn.com/callback_pub_key_v1.pem';
const CALLBACK_URL = 'https://uploads.example.com/app/api/uploads/callback';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const OSS_PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const server = setupServer();
let keyFetches: string[];
let stsCalls: AssumeRoleCall[];
let heads: Request[];
let deletes: Request[];
let listings: Request[];
let stored: Map<string, { etag: string; size: number }>;
let db: Database;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  db = await openDatabase({ memory: true });
});
afterAll(async () => {
  server.close();
  await db?.close();
});
afterEach(() => server.resetHandlers());
beforeEach(async () => {
  keyFetches = [];
  stsCalls = [];
  heads = [];
  deletes = [];
  listings = [];
  stored = new Map();
  await db.query('DELETE FROM uploads');
  server.use(
    recordingStsHandler(stsCalls, issuing(() => new Date(Date.now() + 15 * 60_000))),
    http.get(`${OSS_PUBLIC_KEY_ORIGIN}/*`, ({ request }) => {
      keyFetches.push(request.url);
      return new HttpResponse(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    }),
    http.head(`${OSS_HOST}/*`, ({ request }) => {
      heads.push(request.clone());
      const object = stored.get(decodeURIComponent(new URL(request.url).pathname.slice(1)));
      if (!object) return new HttpResponse(null, { status: 404 });
      return new HttpResponse(null, { headers: { 'Content-Length': String(object.size), ETag: `"${object.etag}"`, 'x-oss-hash-crc64ecma': '123', 'Content-Type': 'video/mp4' } });
    }),
    // ListObjects (v1) of the visitor's prefix, from `stored`: the list route's reconciliation.
    http.get(`${OSS_HOST}/`, ({ request }) => {
      listings.push(request.clone());
      const prefix = new URL(request.url).searchParams.get('prefix') ?? '';
      const contents = [...stored]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, o]) => `<Contents><Key>${key}</Key><LastModified>2026-11-28T10:00:00.000Z</LastModified><ETag>"${o.etag}"</ETag><Type>Normal</Type><Size>${o.size}</Size><StorageClass>Standard</StorageClass></Contents>`)
        .join('');
      return new HttpResponse(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>examplebucket</Name><Prefix>${prefix}</Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><Delimiter></Delimiter><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        { headers: { 'Content-Type': 'application/xml' } },
      );
    }),
    http.delete(`${OSS_HOST}/*`, ({ request }) => {
      deletes.push(request.clone());
      stored.delete(decodeURIComponent(new URL(request.url).pathname.slice(1)));
      return new HttpResponse(null, { status: 204 });
    }),
  );
});

function tokenApp() {
  return createTokenApp({
    assumeRole: createAssumeRole({ accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, endpoint: STS_URL, timeoutMs: 5_000 }),
    config: testConfig({ oss: cloudOssTarget({ region: 'cn-hangzhou', bucket: 'examplebucket' }) }),
    logger: recordingLogger(),
    uploads: { store: createUploadStore(db), callbackUrl: CALLBACK_URL, publicKeyOrigins: [OSS_PUBLIC_KEY_ORIGIN] },
  });
}

/** What OSS sends: signed over the path of the URL it was given (a proxy may strip `/app`). */
async function ossCallback(app: ReturnType<typeof tokenApp>, body: string, publicKeyUrl = PUBLIC_KEY_URL, signer = OSS_PRIVATE): Promise<Response> {
  const authorization = createSign('RSA-MD5').update(`/app/api/uploads/callback\n${body}`).sign(signer, 'base64');
  return await app.request('http://10.0.0.5:9000/api/uploads/callback', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: authorization, 'x-oss-pub-key-url': Buffer.from(publicKeyUrl).toString('base64') },
    body,
  });
}

async function visitor(app: ReturnType<typeof tokenApp>): Promise<{ jar: CookieJar; token: TokenResponse; subject: string }> {
  const jar = new CookieJar();
  // A spoofed Host must not move the callback URL: it comes from configuration only.
  const response = await app.request('http://evil.example/api/sts', { headers: { ...jar.header(), Host: 'evil.example' } });
  jar.store(response);
  const token = (await response.json()) as TokenResponse;
  return { jar, token, subject: token.prefix.split('/')[1]! };
}

describe('callbacks in cloud mode (msw)', () => {
  it('issues the configured callback URL whatever the Host header says', async () => {
    const { token } = await visitor(tokenApp());
    expect(JSON.parse(Buffer.from(token.callback!, 'base64').toString('utf8')).callbackUrl).toBe(CALLBACK_URL);
  });

  it('fetches the public key from gosspublic.alicdn.com over https once, verifies, HEADs with the visitor\'s read credentials, records', async () => {
    const app = tokenApp();
    const { jar, subject } = await visitor(app);
    const key = `uploads/${subject}/clip 1.mp4`;
    stored.set(key, { etag: 'ABCDEF-2', size: 42 });
    const body = new URLSearchParams({ bucket: 'examplebucket', object: key, etag: 'ABCDEF-2', size: '42', crc64: '123', mimeType: 'video/mp4', name: encodeFileName('Clip №1.mp4'), uploader: subject }).toString();

    const response = await ossCallback(app, body);
    expect(response.status).toBe(200);
    const { upload } = (await response.json()) as UploadCallbackAnswer;
    expect(upload).toMatchObject({ key, name: 'Clip №1.mp4', size: 42, etag: 'ABCDEF-2', crc64: '123', mimeType: 'video/mp4' });
    expect(keyFetches).toEqual(['https://gosspublic.alicdn.com/callback_pub_key_v1.pem']);
    expect(heads).toHaveLength(1);
    expect(heads[0]!.headers.get('x-oss-security-token')).toMatch(/^CAIStoken/);
    const readPolicy = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:examplebucket/uploads/${subject}/*`] },
        { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: ['acs:oss:*:*:examplebucket'], Condition: { StringLike: { 'oss:Prefix': [`uploads/${subject}/*`] } } },
      ],
    };
    expect(stsCalls.at(-1)!.policy).toEqual(readPolicy);
    const readCalls = stsCalls.length;

    // The second callback uses the cached key.
    const second = await ossCallback(app, body);
    expect(second.status).toBe(200);
    expect(keyFetches).toHaveLength(1);

    // The list reconciles the prefix (ListObjects) and signs a download link for that key, all with the
    // same read credentials; DELETE uses credentials that may delete that key only.
    const list = (await (await app.request('http://localhost/api/uploads', { headers: jar.header() })).json()) as UploadListResponse;
    expect(stsCalls).toHaveLength(readCalls);
    expect(listings).toHaveLength(1);
    expect(new URL(listings[0]!.url).searchParams.get('prefix')).toBe(`uploads/${subject}/`);
    expect(listings[0]!.headers.get('x-oss-security-token')).toBe(heads[0]!.headers.get('x-oss-security-token'));
    expect(list.uploads.map((u) => u.id)).toEqual([upload.id]);
    const link = new URL(list.uploads[0]!.downloadUrl);
    expect(link.origin).toBe(OSS_HOST);
    expect(decodeURIComponent(link.pathname)).toBe(`/${key}`);
    expect(link.searchParams.get('security-token')).toMatch(/^CAIStoken/);
    expect(link.searchParams.get('response-content-disposition')).toBe(`attachment; filename="Clip _1.mp4"; filename*=UTF-8''${encodeURIComponent('Clip №1.mp4')}`);
    const removed = await app.request(`http://localhost/api/uploads/${upload.id}`, { method: 'DELETE', headers: jar.header() });
    expect(removed.status).toBe(204);
    expect(deletes).toHaveLength(1);
    expect(stsCalls.at(-1)!.policy).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:DeleteObject'], Resource: [`acs:oss:*:*:examplebucket/${key}`] }],
    });
  });

  it('refuses public keys from other hosts (look-alikes included) without fetching them', async () => {
    const app = tokenApp();
    const { subject } = await visitor(app);
    const key = `uploads/${subject}/a.bin`;
    stored.set(key, { etag: 'AA', size: 1 });
    const body = new URLSearchParams({ bucket: 'examplebucket', object: key, etag: 'AA' }).toString();
    for (const url of ['https://gosspublic.alicdn.com.evil.example/k.pem', 'https://evil.example/gosspublic.alicdn.com/k.pem', 'https://user@gosspublic.alicdn.com/k.pem', 'http://localhost:9000/__oss/callback-public-key.pem']) {
      const response = await ossCallback(app, body, url);
      expect(response.status, url).toBe(403);
    }
    expect(keyFetches).toEqual([]);
    expect(heads).toEqual([]);
  });

  it('a key server that fails is not cached: the next callback fetches again', async () => {
    const app = tokenApp();
    const { subject } = await visitor(app);
    const key = `uploads/${subject}/b.bin`;
    stored.set(key, { etag: 'BB', size: 1 });
    const body = new URLSearchParams({ bucket: 'examplebucket', object: key, etag: 'BB' }).toString();
    server.use(http.get(`${OSS_PUBLIC_KEY_ORIGIN}/*`, () => new HttpResponse('busy', { status: 503 }), { once: true }));
    expect((await ossCallback(app, body)).status).toBe(502);
    expect((await ossCallback(app, body)).status).toBe(200);
  });
});
