import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { TokenErrorCode, TokenErrorResponse, TokenResponse } from '../../shared/token-response';
import { StsError, stsFailureKind } from './assume-role';
import type { AssumeRole, StsCredentials, StsFailureKind } from './assume-role';
import { createCookieAuthorizer } from './authorize';
import type { Authorize, UploaderIdentity } from './authorize';
import type { TokenSettings } from './config';
import { createCredentialCache } from './credential-cache';
import { consoleTokenLogger, redactSecret } from './logger';
import type { TokenLogger } from './logger';
import type { OssTarget } from './oss-target';
import { buildUploadPolicy } from './policy';
import { createObjectInspector, ObjectHeadError, ObjectKeyError, type HeadObject } from './object-info';
import { createReadCredentials } from './read-credentials';
import type { RateDecision } from './rate-limit';
import { memoryRateLimitStore, type RateLimitStore } from './rate-limit-store';
import { clientAddress } from './request-info';
import { isValidSubject, roleSessionNameFor, uploadPrefixFor } from './subject';
import { createCallbackVerifier, type CallbackVerifier } from '../uploads/callback-signature';
import { createUploadObjects, type ObjectRequests, type UploadObjects } from '../uploads/oss-objects';
import { createReconciler, type ReconcilerOptions } from '../uploads/reconcile';
import { registerUploadRoutes } from '../uploads/routes';
import type { UploadStore } from '../uploads/store';

export interface TokenAppConfig extends Omit<TokenSettings, 'stsTimeoutMs' | 'cookieSecret'> {
  /** `acs:ram::<account>:role/<name>` of the role whose credentials are handed out. */
  roleArn: string;
  oss: OssTarget;
  /** Needed by the default cookie authorizer; ignored when `authorize` is given. */
  cookieSecret?: string;
  /** Cached credentials are reused while more than this is left (default 300 s). */
  refreshMarginSeconds?: number;
}

export interface TokenAppDeps {
  assumeRole: AssumeRole;
  /** Who is asking; defaults to the anonymous signed-cookie uploader. */
  authorize?: Authorize;
  config: TokenAppConfig;
  /** Milliseconds since the epoch; injected by tests. */
  now?: () => number;
  logger?: TokenLogger;
  /** How `GET /api/object` looks at an object; defaults to a HEAD through ali-oss. */
  headObject?: HeadObject;
  /**
   * Where the routes live (default `/api`): `/api/sts`, `/api/object`, `/api/health`. `''` puts
   * them at the root, for a host framework that strips its own mount path (Express's `app.use('/x', …)`).
   */
  basePath?: string;
  /** Token buckets shared by every instance (see createRedisRateLimitStore); in memory by default. */
  rateLimitStore?: RateLimitStore;
  /** Upload records and OSS upload callbacks (`/api/uploads…`); without it the endpoint keeps no records. */
  uploads?: UploadsOptions;
}

/** What the upload routes need (see docs/callbacks.md). */
export interface UploadsOptions {
  store: UploadStore;
  /**
   * The absolute URL OSS calls back, i.e. this app's `<basePath>/uploads/callback` as OSS reaches it
   * (cloud: from PUBLIC_URL, never from a request's Host; local: the app server's own address, known
   * once it listens, hence the function form). Null: no callbacks are issued (records come from
   * `POST /uploads/confirm` only).
   */
  callbackUrl: string | (() => string | null) | null;
  /**
   * Origins whose callback public keys are believed: `[OSS_PUBLIC_KEY_ORIGIN]` for Alibaba Cloud,
   * the local OSS's origin in local mode.
   */
  publicKeyOrigins: readonly string[];
  /** How the public key is fetched (default: global fetch). */
  fetchPublicKey?: typeof fetch;
  /** The OSS requests (HEAD, delete, presign); defaults to ali-oss against `config.oss`. */
  objectRequests?: ObjectRequests;
  /** Replaces the whole credential and request layer (tests). */
  objects?: UploadObjects;
  /** Replaces the signature check (tests). */
  verifier?: CallbackVerifier;
  /** How often and how much the visitor's prefix is listed for uploads without a record (see reconcile.ts). */
  reconcile?: Pick<ReconcilerOptions, 'intervalMs' | 'maxPages' | 'pageSize' | 'maxHeads'>;
}

const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
const MAX_REQUEST_BODY_BYTES = 1024;
const MAX_UPLOAD_BODY_BYTES = 16 * 1024;

/**
 * `GET /api/sts` hands the browser short-lived STS credentials that can only upload under the
 * caller's own key prefix; `GET /api/object?key=…` tells the caller what one of its own keys holds
 * (see `createObjectInspector`); `GET /api/health` answers 200. Mount the returned app next to the
 * web app (same origin, so the uploader cookie is first-party).
 */
export function createTokenApp({
  assumeRole,
  authorize,
  config,
  now = Date.now,
  logger = consoleTokenLogger,
  headObject,
  basePath = '/api',
  rateLimitStore,
  uploads,
}: TokenAppDeps): Hono {
  const identify = authorize ?? defaultAuthorizer(config);
  const limits = rateLimitStore ?? memoryRateLimitStore({ now });
  const credentials = createCredentialCache({
    load: issueCredentials,
    refreshMarginMs: (config.refreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS) * 1000,
    now,
  });

  async function issueCredentials(subject: string): Promise<StsCredentials> {
    const sessionName = roleSessionNameFor(subject);
    const prefix = uploadPrefixFor(config.keyPrefix, subject);
    const policy = buildUploadPolicy({ bucket: config.oss.bucket, prefix, listUploads: config.listUploads });
    try {
      const issued = await assumeRole({ roleArn: config.roleArn, policy, durationSeconds: config.durationSeconds, sessionName });
      logger.info('sts.issued', {
        subject,
        sessionName,
        accessKeyId: redactSecret(issued.accessKeyId),
        expiration: issued.expiration.toISOString(),
      });
      return issued;
    } catch (error) {
      if (error instanceof StsError) logStsFailure(subject, 'upload', error);
      throw error;
    }
  }

  /** STS's own words stay here: the browser gets a code and a sentence of ours (`stsFailureResponse`). */
  function logStsFailure(subject: string, purpose: 'upload' | 'object-info', error: StsError): void {
    logger.warn('sts.failed', {
      subject,
      purpose,
      code: error.code,
      message: error.message,
      ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
    });
  }

  // One read credential per visitor prefix, shared by `GET /object` and the records' routes (HEAD,
  // listing, download links): one AssumeRole per visitor while it lasts, not one per key or request.
  const readCredentials = createReadCredentials({
    assumeRole,
    roleArn: config.roleArn,
    oss: config.oss,
    keyPrefix: config.keyPrefix,
    now,
    // The records' reconciliation lists the visitor's prefix; without records nothing lists.
    listObjects: uploads !== undefined,
  });

  const inspect = createObjectInspector({
    assumeRole,
    roleArn: config.roleArn,
    oss: config.oss,
    keyPrefix: config.keyPrefix,
    readCredentials,
    ...(headObject ? { headObject } : {}),
  });

  const app = new Hono().basePath(normalizeBasePath(basePath));

  if (config.corsOrigins.length > 0) {
    const allowed = new Set(config.corsOrigins);
    app.use(
      '/*',
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        credentials: true,
        allowMethods: uploads ? ['GET', 'POST', 'DELETE', 'OPTIONS'] : ['GET', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }
  app.use('/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  const smallBodies = bodyLimit({
    maxSize: MAX_REQUEST_BODY_BYTES,
    onError: (c) => errorResponse(c, 413, 'PayloadTooLarge', `request bodies are limited to ${MAX_REQUEST_BODY_BYTES} bytes`),
  });
  // A callback or a confirm carries a key of up to 1023 bytes (URL-encoded in a callback) and a name.
  const uploadBodies = bodyLimit({
    maxSize: MAX_UPLOAD_BODY_BYTES,
    onError: (c) => errorResponse(c, 413, 'PayloadTooLarge', `request bodies are limited to ${MAX_UPLOAD_BODY_BYTES} bytes`),
  });
  app.use('/*', (c, next) => (/\/uploads\/(callback|confirm)$/.test(c.req.path) ? uploadBodies(c, next) : smallBodies(c, next)));

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/sts', (c) =>
    guarded(c, 'could not issue credentials', async (uploader) => {
      const issued = await credentials.get(uploader.subject);
      const body: TokenResponse = {
        accessKeyId: issued.accessKeyId,
        accessKeySecret: issued.accessKeySecret,
        securityToken: issued.securityToken,
        expiration: issued.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...config.oss,
        prefix: uploadPrefixFor(config.keyPrefix, uploader.subject),
        // Relative, so it follows wherever this app is mounted.
        objectInfoUrl: 'object',
        ...(uploads ? uploadFields(uploader.subject) : {}),
      };
      return c.json(body);
    }),
  );

  app.get('/object', (c) =>
    guarded(c, 'could not look at the object', async (uploader) => {
      try {
        return c.json(await inspect(uploader.subject, c.req.query('key')));
      } catch (error) {
        if (error instanceof StsError) logStsFailure(uploader.subject, 'object-info', error);
        // Our own words about the key the caller sent, nothing from upstream.
        if (error instanceof ObjectKeyError) return errorResponse(c, error.status, 'InvalidKey', error.message);
        if (!(error instanceof ObjectHeadError)) throw error;
        // The key is the uploader's own file name: it stays out of the log.
        logger.warn('object.head-failed', { subject: uploader.subject, message: error.message });
        return errorResponse(c, 502, 'ObjectInfoUnavailable', 'could not look at the object');
      }
    }),
  );

  /**
   * What every credential-backed route shares: rate limits per address and per uploader, the
   * uploader's identity (401 without one), and STS failures answered with a code of ours (logged
   * where they happen, with STS's own words, which never reach the client).
   */
  async function guarded(c: Context, failure: string, handle: (uploader: UploaderIdentity) => Promise<Response>): Promise<Response> {
    const byIp = await takeRate(`ip:${clientAddress(c, config.trustProxy)}`, config.rateLimit.perIpPerMinute);
    if (!byIp.allowed) return tooManyRequests(c, byIp.retryAfterSeconds);
    try {
      const uploader = await identify(c);
      if (!uploader) return errorResponse(c, 401, 'Unauthorized', 'sign in to upload');
      if (!isValidSubject(uploader.subject)) {
        // A custom authorizer returned something that could widen or break the key prefix.
        logger.warn('token.invalid-subject', { length: uploader.subject.length });
        return errorResponse(c, 500, 'InvalidSubject', 'the uploader id is not usable as a key prefix');
      }
      const bySubject = await takeRate(`subject:${uploader.subject}`, config.rateLimit.perSubjectPerMinute);
      if (!bySubject.allowed) return tooManyRequests(c, bySubject.retryAfterSeconds);
      return await handle(uploader);
    } catch (error) {
      if (error instanceof StsError) return stsFailureResponse(c, stsFailureKind(error));
      logger.warn('token.internal-error', {
        name: error instanceof Error ? error.name : typeof error,
        message: error instanceof Error ? error.message : undefined,
      });
      return errorResponse(c, 500, 'InternalError', failure);
    }
  }

  /** A store that cannot be reached lets requests through: STS's own throttling still stands behind it. */
  async function takeRate(key: string, perMinute: number): Promise<RateDecision> {
    if (perMinute <= 0) return { allowed: true };
    try {
      return await limits.take(key, perMinute);
    } catch (error) {
      logger.warn('ratelimit.unavailable', { message: error instanceof Error ? error.message : String(error) });
      return { allowed: true };
    }
  }

  if (uploads) {
    const objects =
      uploads.objects ??
      createUploadObjects({
        assumeRole,
        roleArn: config.roleArn,
        oss: config.oss,
        keyPrefix: config.keyPrefix,
        now,
        readCredentials,
        ...(uploads.objectRequests ? { requests: uploads.objectRequests } : {}),
      });
    registerUploadRoutes(app, {
      store: uploads.store,
      objects,
      reconciler: createReconciler({ store: uploads.store, objects, now, ...uploads.reconcile }),
      verifier:
        uploads.verifier ??
        createCallbackVerifier({ trustedOrigins: uploads.publicKeyOrigins, ...(uploads.fetchPublicKey ? { fetch: uploads.fetchPublicKey } : {}) }),
      callbackUrl: callbackUrlOf(uploads),
      keyPrefix: config.keyPrefix,
      bucket: config.oss.bucket,
      logger,
      guarded,
    });
  }

  /** The token response's callback fields for one visitor (see TokenResponse.callback). */
  function uploadFields(subject: string): Pick<TokenResponse, 'callback' | 'callbackVar' | 'uploadsUrl'> {
    const url = uploads ? callbackUrlOf(uploads)() : null;
    if (url === null) return { uploadsUrl: 'uploads' };
    return { uploadsUrl: 'uploads', ...uploadCallbackHeaders(url, subject) };
  }

  for (const path of ['/sts', '/object']) {
    app.options(path, (c) => c.body(null, 204, { Allow: 'GET, OPTIONS' }));
    app.all(path, (c) => {
      c.header('Allow', 'GET, OPTIONS');
      return errorResponse(c, 405, 'MethodNotAllowed', 'use GET');
    });
  }

  return app;
}

function callbackUrlOf(uploads: UploadsOptions): () => string | null {
  const { callbackUrl } = uploads;
  return typeof callbackUrl === 'function' ? callbackUrl : () => callbackUrl;
}

/**
 * The `x-oss-callback` and `x-oss-callback-var` values for one visitor: a form-encoded body (OSS
 * URL-encodes each variable in it, the same on Alibaba Cloud and locally) with the object's facts,
 * the visitor's id as a literal (checked against the key's prefix, never believed on its own) and
 * `${x:name}`, the file name the engine adds to `callbackVar`.
 */
export function uploadCallbackHeaders(callbackUrl: string, subject: string): { callback: string; callbackVar: string } {
  const callbackBody = [
    'bucket=${bucket}',
    'object=${object}',
    'etag=${etag}',
    'size=${size}',
    'crc64=${crc64}',
    'mimeType=${mimeType}',
    'operation=${operation}',
    'name=${x:name}',
    `uploader=${encodeURIComponent(subject)}`,
  ].join('&');
  const callback = { callbackUrl, callbackBody, callbackBodyType: 'application/x-www-form-urlencoded' };
  return {
    callback: Buffer.from(JSON.stringify(callback)).toString('base64'),
    callbackVar: Buffer.from(JSON.stringify({ 'x:name': '' })).toString('base64'),
  };
}

/** `/api`, `api/`, `/` and `''` → `/api`, `/api`, `` and ``; no query, no `*`. */
function normalizeBasePath(path: string): string {
  if (!/^[A-Za-z0-9._~/-]*$/.test(path)) throw new Error(`createTokenApp: basePath must be a plain path such as /api, got ${JSON.stringify(path)}`);
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

function defaultAuthorizer(config: TokenAppConfig): Authorize {
  if (!config.cookieSecret) throw new Error('createTokenApp: config.cookieSecret is required unless authorize is given');
  return createCookieAuthorizer({
    secret: config.cookieSecret,
    crossSite: config.corsOrigins.length > 0,
    trustProxy: config.trustProxy,
  });
}

/** What the browser is told about an STS failure: the same code and sentence whatever STS said. */
const STS_FAILURES: Readonly<Record<StsFailureKind, { status: 502 | 504; code: TokenErrorCode; message: string }>> = {
  refused: {
    status: 502,
    code: 'StsRefused',
    message: 'The upload service is not allowed to issue credentials. Ask the site administrator to check its setup.',
  },
  unavailable: { status: 502, code: 'StsUnavailable', message: 'The upload service could not issue credentials. Try again in a minute.' },
  timeout: { status: 504, code: 'StsTimeout', message: 'The upload service did not get credentials in time. Try again in a minute.' },
};

function stsFailureResponse(c: Context, kind: StsFailureKind): Response {
  const { status, code, message } = STS_FAILURES[kind];
  return errorResponse(c, status, code, message);
}

function errorResponse(c: Context, status: 400 | 401 | 403 | 405 | 413 | 429 | 500 | 502 | 504, code: TokenErrorCode, message: string): Response {
  const body: TokenErrorResponse = { error: { code, message } };
  return c.json(body, status);
}

function tooManyRequests(c: Context, retryAfterSeconds: number): Response {
  c.header('Retry-After', String(retryAfterSeconds));
  return errorResponse(c, 429, 'TooManyRequests', `too many token requests, retry in ${retryAfterSeconds} s`);
}
