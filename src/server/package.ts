/**
 * The package's `./server` entry (`oss-resumable-uploader/server`): the token endpoint as a Hono app
 * factory with a configurable base path, the pieces it is built from, and a plain Node listener.
 * Built for Node 20+ by `vite build --mode lib-server`; see docs/package.md.
 *
 * Everything in src/server/token/index.ts is re-exported here (test/package/server-entry.test.ts keeps
 * the two in step). `createRedisRateLimitStore` loads `redis` only when it is called, so `redis` is
 * an optional peer dependency.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';

export { createTokenApp, uploadCallbackHeaders } from './token/app';
export type { TokenAppConfig, TokenAppDeps, UploadsOptions } from './token/app';
export { createAssumeRole, StsError, stsFailureKind } from './token/assume-role';
export type {
  AssumeRole,
  AssumeRoleRequest,
  CallerCredentials,
  CallerCredentialSource,
  StsClientOptions,
  StsCredentials,
  StsFailureKind,
} from './token/assume-role';
export { credentialSourceFrom, credentialsUriSource, defaultCredentialSource } from './token/credential-source';
export { memoryRateLimitStore } from './token/rate-limit-store';
export type { RateLimitStore } from './token/rate-limit-store';
export { createRedisRateLimitStore } from './token/redis-rate-limit-store';
export type { RedisRateLimitStoreOptions } from './token/redis-rate-limit-store';
export { createCookieAuthorizer } from './token/authorize';
export type { Authorize, CookieAuthorizerOptions, UploaderIdentity } from './token/authorize';
export { loadTokenSettings, resolveCookieSecret, TokenConfigError } from './token/config';
export type { TokenSettings } from './token/config';
export { consoleTokenLogger, redactSecret } from './token/logger';
export type { TokenLogger } from './token/logger';
export { cloudOssTarget, localOssTarget } from './token/oss-target';
export type { OssTarget } from './token/oss-target';
export { createObjectInspector, ObjectHeadError, ObjectKeyError } from './token/object-info';
export type { HeadObject, InspectObject, ObjectInspectorOptions } from './token/object-info';
export { createReadCredentials, READ_CREDENTIAL_SECONDS } from './token/read-credentials';
export type { ReadCredentials, ReadCredentialsOptions } from './token/read-credentials';
export { buildObjectInfoPolicy, buildUploadPolicy, PolicyInputError } from './token/policy';
export type { RamPolicy, UploadPolicyInput } from './token/policy';
export { isValidSubject } from './token/subject';
export type { ObjectInfoResponse, TokenErrorCode, TokenErrorResponse, TokenResponse } from '../shared/token-response';

/** A Node `http` request listener answering with the token app (for `http.createServer`, Express, Koa…). */
export function tokenRequestListener(app: Hono): RequestListener {
  return getRequestListener(app.fetch);
}

export interface ServeTokenAppOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `localhost`; `0.0.0.0` listens on every interface. */
  host?: string;
}

export interface TokenServer {
  /** e.g. `http://localhost:8080` */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves the token app alone on `host:port` with Node's `http` module. */
export async function serveTokenApp(app: Hono, { port = 0, host = 'localhost' }: ServeTokenAppOptions = {}): Promise<TokenServer> {
  const server = createServer(tokenRequestListener(app));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
