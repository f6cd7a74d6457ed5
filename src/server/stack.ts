import { resolve } from 'node:path';
import { ConfigError, type Config } from './config';
import { startAppServer, type AppServer } from './app-server';
import { startLocalOss, type LocalOss } from './local-oss';
import { appBuildDir, ensureAppBuild } from './pages/app-build';
import {
  cloudOssTarget,
  consoleTokenLogger,
  createAssumeRole,
  createRedisRateLimitStore,
  createTokenApp,
  defaultCredentialSource,
  localOssTarget,
  resolveCookieSecret,
  type RateLimitStore,
  type TokenLogger,
  type TokenSettings,
} from './token';
import { createUploadStore, embeddedDatabaseDir, openDatabase, OSS_PUBLIC_KEY_ORIGIN, type Database } from './uploads';
import type { UploadsOptions } from './token/app';

/** Where index.html and vite.config.ts are, wherever the process was started from. */
const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** Everything `npm start` runs, started in order and stopped in reverse. */
export interface Stack {
  /** OSS origin browsers and ali-oss talk to (local server or cloud endpoint). */
  ossUrl: string;
  /** STS endpoint for AssumeRole. */
  stsUrl: string;
  /** The local OSS server; null in cloud mode. */
  localOss: LocalOss | null;
  /** The app + token endpoint; null when started with `app: false`. */
  app: AppServer | null;
  /** The upload records' database (embedded in DATA_DIR, or DATABASE_URL); null without an app. */
  database: Database | null;
  close(): Promise<void>;
}

export interface StackOptions {
  /** The token endpoint's settings (`loadTokenSettings(process.env)`); omit to serve no app. */
  token?: TokenSettings;
  logger?: TokenLogger;
  app?: AppPagesOptions;
}

export interface AppPagesOptions {
  /** `built` (default): the production build, built first when missing or stale. `dev`: Vite with hot reload (`npm run dev`). */
  pages?: 'built' | 'dev';
  /** Vite's dependency cache in dev (default node_modules/.vite). */
  cacheDir?: string;
  /** Progress lines such as "Building the app…". */
  log?: (line: string) => void;
}

export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  const localOss = config.oss.mode === 'local' ? await startLocal(config) : null;
  const ossUrl = localOss?.url ?? (config.oss.mode === 'cloud' ? config.oss.endpoint : '');
  const stsUrl = localOss?.stsUrl ?? (config.oss.mode === 'cloud' ? config.oss.stsEndpoint : '');
  let app: AppServer | null = null;
  let rateLimitStore: RateLimitStore | null = null;
  let database: Database | null = null;
  try {
    if (options.token) {
      const cookieSecret = await cookieSecretFor(config, options.token);
      if (config.redisUrl !== null) rateLimitStore = await connectRedis(config.redisUrl, options.logger);
      database = await openDatabase(config.databaseUrl !== null ? { url: config.databaseUrl } : { dir: embeddedDatabaseDir(config.dataDir) });
      app = await startApp(config, options, { ...options.token, cookieSecret }, ossUrl, stsUrl, rateLimitStore, database);
    }
  } catch (error) {
    await database?.close();
    await rateLimitStore?.close?.();
    await localOss?.close();
    throw error;
  }
  return {
    ossUrl,
    stsUrl,
    localOss,
    app,
    database,
    async close() {
      await app?.close();
      await database?.close();
      await rateLimitStore?.close?.();
      await localOss?.close();
    },
  };
}

function startLocal(config: Config): Promise<LocalOss> {
  if (config.oss.mode !== 'local') throw new Error('not in local mode');
  return startLocalOss({
    dataDir: config.dataDir,
    port: config.oss.port,
    stsPort: config.oss.stsPort,
    rootAccessKeyId: config.oss.rootKey.accessKeyId,
    rootAccessKeySecret: config.oss.rootKey.accessKeySecret,
    roleArn: config.roleArn,
    buckets: [config.bucket],
    region: config.region,
    timeouts: config.timeouts,
    callbackTimeoutMs: config.callbackTimeoutMs,
  });
}

/**
 * Local mode keeps a generated secret in DATA_DIR. Cloud mode writes nothing there: the secret must
 * come from the environment, the same on every instance, or uploaders lose their prefix whenever a
 * request lands on another instance or a new one starts.
 */
async function cookieSecretFor(config: Config, settings: TokenSettings): Promise<string> {
  if (config.oss.mode === 'local') return resolveCookieSecret(settings.cookieSecret, config.dataDir);
  if (settings.cookieSecret === undefined) {
    throw new ConfigError('TOKEN_COOKIE_SECRET is required in cloud mode: at least 32 random characters, the same on every instance (e.g. openssl rand -base64 32).');
  }
  return settings.cookieSecret;
}

async function connectRedis(url: string, logger: TokenLogger | undefined): Promise<RateLimitStore> {
  let reported = false;
  try {
    return await createRedisRateLimitStore({
      url,
      onError: (error) => {
        if (reported) return;
        reported = true;
        (logger ?? consoleTokenLogger).warn('ratelimit.redis-error', { message: error.message });
      },
    });
  } catch (error) {
    throw new Error(`cannot connect to Redis at REDIS_URL (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

async function startApp(
  config: Config,
  options: StackOptions,
  settings: TokenSettings & { cookieSecret: string },
  ossUrl: string,
  stsUrl: string,
  rateLimitStore: RateLimitStore | null,
  database: Database,
): Promise<AppServer> {
  const oss =
    config.oss.mode === 'cloud'
      ? cloudOssTarget({ region: config.region, bucket: config.bucket, endpoint: config.oss.endpoint })
      : localOssTarget({ url: ossUrl, region: config.region, bucket: config.bucket });
  // An AccessKey (long-term, or temporary with its SecurityToken as FC injects it), else the default chain.
  const caller = config.oss.rootKey ?? { credentials: defaultCredentialSource() };
  // Known once the app server listens (PORT may be 0).
  let appUrl: string | null = null;
  const uploads: UploadsOptions = {
    store: createUploadStore(database),
    // Cloud: only the configured public URL, never a request's Host header. Local: the app's own
    // loopback address, the only kind the local OSS calls back.
    callbackUrl: () => uploadCallbackUrl(config, appUrl),
    publicKeyOrigins: config.oss.mode === 'cloud' ? [OSS_PUBLIC_KEY_ORIGIN] : [new URL(ossUrl).origin],
  };
  const tokenApp = createTokenApp({
    assumeRole: createAssumeRole({ ...caller, endpoint: stsUrl, timeoutMs: settings.stsTimeoutMs }),
    config: { ...settings, roleArn: config.roleArn, oss },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(rateLimitStore ? { rateLimitStore } : {}),
    uploads,
  });
  const pagesOptions = options.app ?? {};
  if (pagesOptions.pages !== 'dev') await ensureAppBuild({ root: PROJECT_ROOT, outDir: appBuildDir(PROJECT_ROOT), ...(pagesOptions.log ? { log: pagesOptions.log } : {}) });
  const server = await startAppServer({
    port: config.port,
    host: config.host,
    tokenApp,
    uploadOrigins: uploadOrigins(config, ossUrl),
    timeouts: config.timeouts,
    pages:
      pagesOptions.pages === 'dev'
        ? { kind: 'dev', root: PROJECT_ROOT, dataDir: config.dataDir, ...(pagesOptions.cacheDir ? { cacheDir: pagesOptions.cacheDir } : {}) }
        : { kind: 'built', dir: appBuildDir(PROJECT_ROOT) },
  });
  appUrl = server.url;
  return server;
}

/**
 * Where OSS calls back: in cloud mode `<PUBLIC_URL>/api/uploads/callback`, from configuration only
 * (a request's Host header is the client's to choose), or null (no callbacks) without PUBLIC_URL. In
 * local mode the app's own address (`appUrl`, once it listens), the only kind the local OSS calls.
 */
export function uploadCallbackUrl(config: Pick<Config, 'oss' | 'publicUrl'>, appUrl: string | null): string | null {
  if (config.oss.mode === 'cloud') return config.publicUrl === null ? null : `${config.publicUrl}/api/uploads/callback`;
  return appUrl === null ? null : `${appUrl}/api/uploads/callback`;
}

/** Where the page sends part bodies: the endpoint itself (path style) or the bucket's virtual host. */
function uploadOrigins(config: Config, ossUrl: string): string[] {
  const endpoint = new URL(ossUrl);
  if (config.oss.mode === 'local') return [endpoint.origin];
  return [endpoint.origin, `${endpoint.protocol}//${config.bucket}.${endpoint.host}`];
}
