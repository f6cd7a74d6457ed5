import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalOss } from '../../../src/server/local-oss';
import type { TokenResponse } from '../../../src/shared/token-response';
import { CookieJar, recordingLogger, ROLE_ARN } from './app-fixtures';
import { loadTokenSettings, resolveCookieSecret } from '../../../src/server/token/config';
import { localTokenApp, rootOssClient, startOss, type LocalOssAccount } from '../../support/local-oss';

// Against the embedded OSS + STS: the credentials our endpoint issues really are confined to one prefix.
const BUCKET = 'examplebucket';
const REGION = 'oss-cn-hangzhou';
const ROOT = { accessKeyId: 'LTAIintegrationRoot01', accessKeySecret: 'integrationRootSecret0123456789' };
const ACCOUNT: LocalOssAccount = { root: ROOT, roleArn: ROLE_ARN, bucket: BUCKET, region: REGION };
const PART_SIZE = 100 * 1024;
// The typings mark every ListParts query field as required; ali-oss needs none of them.
const ALL_PARTS = {} as OSS.ListPartsQuery;

let dataDir: string;
let localOss: LocalOss;
let app: Hono;
let alice: TokenResponse;
let bob: TokenResponse;
const jars = new Map<TokenResponse, CookieJar>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'token-local-oss-'));
  localOss = await startOss(ACCOUNT, { dataDir });
  app = await tokenApp({ listUploads: false });
  alice = await tokenFor(app, new CookieJar());
  bob = await tokenFor(app, new CookieJar());
});

afterAll(async () => {
  await localOss?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Wired as the server wires it: settings from the environment, cookie secret kept in the data directory. */
async function tokenApp({ listUploads }: { listUploads: boolean }, oss: LocalOss = localOss, dir: string = dataDir): Promise<Hono> {
  const settings = loadTokenSettings({ TOKEN_LIST_UPLOADS: String(listUploads), TOKEN_DURATION_SECONDS: '900' });
  const cookieSecret = await resolveCookieSecret(settings.cookieSecret, dir);
  return localTokenApp(oss, ACCOUNT, { config: { ...settings, cookieSecret }, stsTimeoutMs: settings.stsTimeoutMs, logger: recordingLogger() });
}

async function tokenFor(from: Hono, jar: CookieJar): Promise<TokenResponse> {
  const response = await from.request('http://localhost/api/sts', { headers: jar.header() });
  jar.store(response);
  expect(response.status).toBe(200);
  const token = (await response.json()) as TokenResponse;
  jars.set(token, jar);
  return token;
}

/** A Node ali-oss client configured from the token response alone, as the browser would be. */
function clientFor(token: TokenResponse, from: Hono = app): OSS {
  return new OSS({
    accessKeyId: token.accessKeyId,
    accessKeySecret: token.accessKeySecret,
    stsToken: token.securityToken,
    refreshSTSToken: async () => {
      const fresh = await tokenFor(from, jars.get(token)!);
      return { accessKeyId: fresh.accessKeyId, accessKeySecret: fresh.accessKeySecret, stsToken: fresh.securityToken };
    },
    bucket: token.bucket,
    region: token.region,
    endpoint: token.endpoint,
    secure: token.secure,
    sldEnable: token.sldEnable,
  } as OSS.Options);
}

const rootClient = (): OSS => rootOssClient(localOss, ACCOUNT);

async function errorCodeOf(work: Promise<unknown>): Promise<{ code: unknown; status: unknown }> {
  const error = (await work.then(
    () => ({ code: 'no error', status: 0 }),
    (reason: { code?: unknown; status?: unknown }) => reason,
  )) as { code?: unknown; status?: unknown };
  return { code: error.code, status: error.status };
}

describe('issued credentials against the local OSS', () => {
  it('upload a multipart object under their prefix', async () => {
    const body = randomBytes(2 * PART_SIZE + 1234);
    const key = `${alice.prefix}video.bin`;
    const result = await clientFor(alice).multipartUpload(key, body, { partSize: PART_SIZE });
    expect(result.res.status).toBe(200);

    const stored = await rootClient().get(key);
    expect(Buffer.compare(stored.content as Buffer, body)).toBe(0);
  });

  it('can list parts of and abort their own upload', async () => {
    const client = clientFor(alice);
    const key = `${alice.prefix}resume.bin`;
    const { uploadId } = await client.initMultipartUpload(key);
    await client.uploadPart(key, uploadId, 1, randomBytes(PART_SIZE), 0, PART_SIZE);
    const listed = await client.listParts(key, uploadId, ALL_PARTS);
    expect(listed.res.status).toBe(200);
    await client.abortMultipartUpload(key, uploadId);
    expect(await errorCodeOf(client.listParts(key, uploadId, ALL_PARTS))).toEqual({ code: 'NoSuchUpload', status: 404 });
  });

  it('are denied writing under another prefix', async () => {
    const client = clientFor(alice);
    expect(await errorCodeOf(client.put(`${bob.prefix}intruder.txt`, Buffer.from('x')))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await errorCodeOf(client.put('elsewhere/intruder.txt', Buffer.from('x')))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await errorCodeOf(client.initMultipartUpload(`${bob.prefix}intruder.bin`))).toEqual({ code: 'AccessDenied', status: 403 });
  });

  it('are denied reading, even their own objects', async () => {
    const key = `${alice.prefix}readback.txt`;
    const client = clientFor(alice);
    await client.put(key, Buffer.from('written, not readable'));
    expect(await errorCodeOf(client.get(key))).toEqual({ code: 'AccessDenied', status: 403 });
    expect((await errorCodeOf(client.head(key))).status).toBe(403);
    expect(await errorCodeOf(client.list({ prefix: alice.prefix, 'max-keys': 10 }, {}))).toEqual({ code: 'AccessDenied', status: 403 });
  });

  it('are denied deleting, even their own objects', async () => {
    const key = `${alice.prefix}keep.txt`;
    const client = clientFor(alice);
    await client.put(key, Buffer.from('stays'));
    expect(await errorCodeOf(client.delete(key))).toEqual({ code: 'AccessDenied', status: 403 });
    expect((await rootClient().head(key)).status).toBe(200);
  });

  it("are denied listing or aborting another uploader's upload", async () => {
    const key = `${bob.prefix}bob.bin`;
    const bobClient = clientFor(bob);
    const { uploadId } = await bobClient.initMultipartUpload(key);
    await bobClient.uploadPart(key, uploadId, 1, randomBytes(PART_SIZE), 0, PART_SIZE);

    const aliceClient = clientFor(alice);
    expect(await errorCodeOf(aliceClient.listParts(key, uploadId, ALL_PARTS))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await errorCodeOf(aliceClient.abortMultipartUpload(key, uploadId))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await errorCodeOf(aliceClient.uploadPart(key, uploadId, 2, randomBytes(PART_SIZE), 0, PART_SIZE))).toEqual({
      code: 'AccessDenied',
      status: 403,
    });
    expect((await bobClient.listParts(key, uploadId, ALL_PARTS)).res.status).toBe(200);
  });

  it('are denied listing multipart uploads unless listUploads is enabled', async () => {
    expect(await errorCodeOf(clientFor(alice).listUploads({ prefix: alice.prefix }, {}))).toEqual({ code: 'AccessDenied', status: 403 });
  });

  it('with listUploads, list multipart uploads under their own prefix only', async () => {
    const listingApp = await tokenApp({ listUploads: true });
    const carol = await tokenFor(listingApp, new CookieJar());
    const client = clientFor(carol, listingApp);
    const key = `${carol.prefix}listed.bin`;
    await client.initMultipartUpload(key);

    const own = await client.listUploads({ prefix: carol.prefix }, {});
    expect(own.uploads.map((upload) => upload.name)).toEqual([key]);
    expect(await errorCodeOf(client.listUploads({ prefix: bob.prefix }, {}))).toEqual({ code: 'AccessDenied', status: 403 });
    expect(await errorCodeOf(client.listUploads({}, {}))).toEqual({ code: 'AccessDenied', status: 403 });
  });
});

describe('GET /api/object against the local OSS', () => {
  const ask = async (from: Hono, token: TokenResponse, key: string): Promise<Response> =>
    from.request(`http://localhost/api/object?key=${encodeURIComponent(key)}`, { headers: jars.get(token)!.header() });

  it('tells the uploader the size, CRC-64 and ETag of its own multipart object, as a HEAD by the root key sees them', async () => {
    const key = `${alice.prefix}completed + é.bin`;
    await clientFor(alice).multipartUpload(key, randomBytes(2 * PART_SIZE + 77), { partSize: PART_SIZE });
    const head = await rootClient().head(key);
    const headers = head.res.headers as Record<string, string>;

    const response = await ask(app, alice, key);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      exists: true,
      size: 2 * PART_SIZE + 77,
      crc64: headers['x-oss-hash-crc64ecma'],
      etag: headers.etag,
    });
  });

  it('answers exists: false for a key of the uploader that holds nothing', async () => {
    const response = await ask(app, alice, `${alice.prefix}never-written.bin`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ exists: false });
  });

  it("refuses another uploader's object", async () => {
    const key = `${bob.prefix}private.bin`;
    await clientFor(bob).put(key, Buffer.from('bob only'));
    expect((await ask(app, alice, key)).status).toBe(403);
  });

  it('answers 502 ObjectInfoUnavailable when the role may not read (as documented, GetObject is optional)', async () => {
    const strictDir = await mkdtemp(join(tmpdir(), 'token-local-oss-strict-'));
    const strict = await startOss(ACCOUNT, {
      dataDir: strictDir,
      rolePolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'], Resource: [`acs:oss:*:*:${BUCKET}/*`] }],
      },
    });
    try {
      const strictApp = await tokenApp({ listUploads: false }, strict, strictDir);
      const dave = await tokenFor(strictApp, new CookieJar());
      const key = `${dave.prefix}a.bin`;
      await clientFor(dave, strictApp).put(key, Buffer.from('uploaded, not readable by the role'));
      const response = await ask(strictApp, dave, key);
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('ObjectInfoUnavailable');
    } finally {
      await strict.close();
      await rm(strictDir, { recursive: true, force: true });
    }
  });
});
