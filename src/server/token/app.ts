import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { TokenErrorResponse, TokenResponse } from '../../shared/token-response';
import { StsError } from './assume-role';
import type { AssumeRole, StsCredentials } from './assume-role';
import { createCookieAuthorizer } from './authorize';
import type { Authorize } from './authorize';
import type { TokenSettings } from './config';
import { createCredentialCache } from './credential-cache';
import { consoleTokenLogger, redactSecret } from './logger';
import type { TokenLogger } from './logger';
import type { OssTarget } from './oss-target';
import { buildUploadPolicy } from './policy';
import { createRateLimiter } from './rate-limit';
import { clientAddress } from './request-info';
import { isValidSubject, roleSessionNameFor, uploadPrefixFor } from './subject';

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
}

const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
const MAX_REQUEST_BODY_BYTES = 1024;

/**
 * `GET /api/sts` hands the browser short-lived STS credentials that can only upload under the
 * caller's own key prefix; `GET /api/health` answers 200. Mount the returned app next to the web
 * app (same origin, so the uploader cookie is first-party).
 */
export function createTokenApp({
  assumeRole,
  authorize,
  config,
  now = Date.now,
  logger = consoleTokenLogger,
}: TokenAppDeps): Hono {
  const identify = authorize ?? defaultAuthorizer(config);
  const perIp = createRateLimiter({ perMinute: config.rateLimit.perIpPerMinute, now });
  const perSubject = createRateLimiter({ perMinute: config.rateLimit.perSubjectPerMinute, now });
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
      if (error instanceof StsError) logger.warn('sts.failed', { subject, code: error.code, message: error.message });
      throw error;
    }
  }

  const app = new Hono();

  if (config.corsOrigins.length > 0) {
    const allowed = new Set(config.corsOrigins);
    app.use(
      '/api/*',
      cors({
        origin: (origin) => (allowed.has(origin) ? origin : null),
        credentials: true,
        allowMethods: ['GET', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_REQUEST_BODY_BYTES,
      onError: (c) => errorResponse(c, 413, 'PayloadTooLarge', `request bodies are limited to ${MAX_REQUEST_BODY_BYTES} bytes`),
    }),
  );

  app.get('/api/health', (c) => c.json({ status: 'ok' }));

  app.get('/api/sts', async (c) => {
    const byIp = perIp.take(clientAddress(c, config.trustProxy));
    if (!byIp.allowed) return tooManyRequests(c, byIp.retryAfterSeconds);
    try {
      return await issueTo(c);
    } catch (error) {
      if (error instanceof StsError) return errorResponse(c, error.httpStatus, error.code, error.message);
      logger.warn('token.internal-error', {
        name: error instanceof Error ? error.name : typeof error,
        message: error instanceof Error ? error.message : undefined,
      });
      return errorResponse(c, 500, 'InternalError', 'could not issue credentials');
    }
  });

  async function issueTo(c: Context): Promise<Response> {
    const uploader = await identify(c);
    if (!uploader) return errorResponse(c, 401, 'Unauthorized', 'sign in to upload');
    if (!isValidSubject(uploader.subject)) {
      // A custom authorizer returned something that could widen or break the key prefix.
      logger.warn('token.invalid-subject', { length: uploader.subject.length });
      return errorResponse(c, 500, 'InvalidSubject', 'the uploader id is not usable as a key prefix');
    }

    const bySubject = perSubject.take(uploader.subject);
    if (!bySubject.allowed) return tooManyRequests(c, bySubject.retryAfterSeconds);

    const issued = await credentials.get(uploader.subject);
    const body: TokenResponse = {
      accessKeyId: issued.accessKeyId,
      accessKeySecret: issued.accessKeySecret,
      securityToken: issued.securityToken,
      expiration: issued.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...config.oss,
      prefix: uploadPrefixFor(config.keyPrefix, uploader.subject),
    };
    return c.json(body);
  }

  app.options('/api/sts', (c) => c.body(null, 204, { Allow: 'GET, OPTIONS' }));
  app.all('/api/sts', (c) => {
    c.header('Allow', 'GET, OPTIONS');
    return errorResponse(c, 405, 'MethodNotAllowed', 'use GET');
  });

  return app;
}

function defaultAuthorizer(config: TokenAppConfig): Authorize {
  if (!config.cookieSecret) throw new Error('createTokenApp: config.cookieSecret is required unless authorize is given');
  return createCookieAuthorizer({
    secret: config.cookieSecret,
    crossSite: config.corsOrigins.length > 0,
    trustProxy: config.trustProxy,
  });
}

function errorResponse(c: Context, status: 401 | 405 | 413 | 429 | 500 | 502 | 504, code: string, message: string): Response {
  const body: TokenErrorResponse = { error: { code, message } };
  return c.json(body, status);
}

function tooManyRequests(c: Context, retryAfterSeconds: number): Response {
  c.header('Retry-After', String(retryAfterSeconds));
  return errorResponse(c, 429, 'TooManyRequests', `too many token requests, retry in ${retryAfterSeconds} s`);
}
