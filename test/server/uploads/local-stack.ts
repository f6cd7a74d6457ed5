import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { LocalOss } from '../../../src/server/local-oss';
import type { TokenResponse } from '../../../src/shared/token-response';
import { createUploadStore, openDatabase, type Database, type UploadStore } from '../../../src/server/uploads';
import { createTokenApp, type UploadsOptions } from '../../../src/server/token/app';
import type { AssumeRole, AssumeRoleRequest } from '../../../src/server/token/assume-role';
import { localOssTarget } from '../../../src/server/token/oss-target';
import { CookieJar, recordingLogger, ROLE_ARN, testConfig } from '../token/app-fixtures';
import { localAssumeRole, rootOssClient, startOss, type LocalOssAccount } from '../../support/local-oss';

export const BUCKET = 'examplebucket';
export const REGION = 'oss-cn-hangzhou';
const ROOT = { accessKeyId: 'LTAIuploadsRoundTrip1', accessKeySecret: 'uploadsRoundTripSecret012345678' };
const ACCOUNT: LocalOssAccount = { root: ROOT, roleArn: ROLE_ARN, bucket: BUCKET, region: REGION };

/** The local OSS + STS, the token endpoint with upload records (in-memory PGlite) on a real port, as `npm start` wires them. */
export interface LocalUploadStack {
  dataDir: string;
  oss: LocalOss;
  app: Hono;
  appUrl: string;
  db: Database;
  store: UploadStore;
  logger: ReturnType<typeof recordingLogger>;
  /** Every AssumeRole the token endpoint sent to the local STS, in order. */
  assumeRoleCalls: AssumeRoleRequest[];
  /** Stops answering on the app's port (the callback server is down); the app still answers in process. */
  stopListening(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalUploadStackOptions {
  callbackTimeoutMs?: number;
  /** Used (and closed) instead of an in-memory PGlite. */
  database?: Database;
  /** The token endpoint's clock (credential reuse, rate limits); the local OSS and STS keep real time. */
  now?: () => number;
  reconcile?: UploadsOptions['reconcile'];
}

export async function startLocalUploadStack(options: LocalUploadStackOptions = {}): Promise<LocalUploadStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'uploads-stack-'));
  const oss = await startOss(ACCOUNT, { dataDir, callbackTimeoutMs: options.callbackTimeoutMs });
  const db = options.database ?? (await openDatabase({ memory: true }));
  const store = createUploadStore(db);
  const logger = recordingLogger();
  let appUrl: string | null = null;
  // The local STS answers every AssumeRole; each is counted on its way there.
  const assumeRoleCalls: AssumeRoleRequest[] = [];
  const toLocalSts = localAssumeRole(oss, ROOT);
  const assumeRole: AssumeRole = (request) => {
    assumeRoleCalls.push(request);
    return toLocalSts(request);
  };
  const app = createTokenApp({
    assumeRole,
    config: { ...testConfig(), roleArn: ROLE_ARN, oss: localOssTarget({ url: oss.url, region: REGION, bucket: BUCKET }) },
    logger,
    ...(options.now ? { now: options.now } : {}),
    uploads: {
      store,
      callbackUrl: () => (appUrl === null ? null : `${appUrl}/api/uploads/callback`),
      publicKeyOrigins: [oss.url],
      ...(options.reconcile ? { reconcile: options.reconcile } : {}),
    },
  });
  const server: Server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let listening = true;
  const stopListening = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    dataDir,
    oss,
    app,
    appUrl,
    db,
    store,
    logger,
    assumeRoleCalls,
    stopListening,
    async close() {
      await stopListening();
      await db.close();
      await oss.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function tokenFor(app: Hono, jar: CookieJar): Promise<TokenResponse> {
  const response = await app.request('http://localhost/api/sts', { headers: jar.header() });
  jar.store(response);
  if (response.status !== 200) throw new Error(`token: ${response.status}`);
  return (await response.json()) as TokenResponse;
}

/** A Node ali-oss client built from the token response alone, as the browser builds one. */
export function clientFor(token: TokenResponse): OSS {
  return new OSS({
    accessKeyId: token.accessKeyId,
    accessKeySecret: token.accessKeySecret,
    stsToken: token.securityToken,
    refreshSTSToken: async () => ({ accessKeyId: token.accessKeyId, accessKeySecret: token.accessKeySecret, stsToken: token.securityToken }),
    bucket: token.bucket,
    region: token.region,
    endpoint: token.endpoint,
    secure: token.secure,
    sldEnable: token.sldEnable,
  } as OSS.Options);
}

export function rootClient(oss: LocalOss): OSS {
  return rootOssClient(oss, ACCOUNT);
}

/** The local STS's credentials for `request`, as the token endpoint got them (to try what they allow). */
export async function credentialsLike(oss: LocalOss, request: AssumeRoleRequest): Promise<OSS> {
  const issued = await localAssumeRole(oss, ROOT)(request);
  return clientFor({ accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret, securityToken: issued.securityToken, bucket: BUCKET, region: REGION, endpoint: oss.url, secure: false, sldEnable: true } as TokenResponse);
}

/** Multipart as the engine does it: Initiate, parts, then Complete carrying the callback headers. */
export async function multipartWithCallback(client: OSS, key: string, body: Buffer, partSize: number, headers: Record<string, string>): Promise<{ status: number; data: unknown; etag: string }> {
  const { uploadId } = await client.initMultipartUpload(key);
  const parts: Array<{ number: number; etag: string }> = [];
  for (let offset = 0, number = 1; offset < body.length; offset += partSize, number++) {
    const part = await client.uploadPart(key, uploadId, number, body, offset, Math.min(offset + partSize, body.length));
    parts.push({ number, etag: part.etag });
  }
  const result = (await client.completeMultipartUpload(key, uploadId, parts, { headers } as never)) as unknown as { res: { status: number }; data: unknown; etag: string };
  return { status: result.res.status, data: result.data, etag: result.etag };
}
