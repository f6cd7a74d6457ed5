import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CONNECTION_TIMEOUTS, type ConnectionTimeouts } from '../http-timeouts';
import type { AuthContext, Policy } from './auth';
import { DEFAULT_CALLBACK_TIMEOUT_MS, loadOrCreateCallbackKey, MAX_CALLBACK_RESPONSE_BYTES } from './callback';
import { answerClientErrors } from './client-error';
import { CorsRule } from './cors';
import { listenLoopback, type Listening } from './listen';
import { createOssListener } from './server';
import { Storage, type StorageOptions } from './storage/storage';
import { createStsListener } from './sts';

export interface LocalOssOptions {
  /** Objects, uploads and the token-signing secret live here; reused across restarts. */
  dataDir: string;
  /** Default: both loopback addresses (127.0.0.1 and ::1), so `localhost` works for every client. */
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** STS AssumeRole on its own port. Default: port + 1 when `port` is given, else a free port. */
  stsPort?: number;
  /** The only long-term key the server accepts (for OSS requests and for AssumeRole). */
  rootAccessKeyId: string;
  rootAccessKeySecret: string;
  /** The role AssumeRole may assume. */
  roleArn: string;
  /** The role's permission policy. Default: `oss:*` on every configured bucket. */
  rolePolicy?: Policy;
  /** Created at start when missing. */
  buckets: string[];
  /** e.g. `oss-cn-hangzhou`; V4 signatures must be scoped to it. */
  region: string;
  /** Default `['*']`. */
  corsAllowedOrigins?: string[];
  /** Injectable clock (ms since epoch) for signatures, tokens and timestamps. */
  now?: () => number;
  /** Storage hooks for tests. */
  storage?: StorageOptions;
  /**
   * Slow and silent clients, on the OSS and the STS port alike (see applyConnectionTimeouts).
   * Each limit defaults to DEFAULT_CONNECTION_TIMEOUTS (headers 30 s, idle 60 s).
   */
  timeouts?: Partial<ConnectionTimeouts>;
  /**
   * How long an upload callback's server may take to answer (default 5 s, as OSS); past it the
   * upload answers 203 CallbackFailed, the object stored.
   */
  callbackTimeoutMs?: number;
}

export interface LocalOss {
  /** `http://localhost:PORT` (or the explicit `host`); use with ali-oss `sldEnable: true` (path style). */
  url: string;
  /** `http://localhost:STSPORT/`, the endpoint for ali-oss `STS`. */
  stsUrl: string;
  port: number;
  stsPort: number;
  close(): Promise<void>;
}

const TOKEN_SECRET_FILE = 'token-secret';

/** Starts the local OSS server and its STS endpoint; resolves once both are listening. */
export async function startLocalOss(options: LocalOssOptions): Promise<LocalOss> {
  const now = options.now ?? Date.now;
  await mkdir(options.dataDir, { recursive: true });
  const auth: AuthContext = {
    rootAccessKeyId: options.rootAccessKeyId,
    rootAccessKeySecret: options.rootAccessKeySecret,
    tokenSecret: await loadOrCreateTokenSecret(options.dataDir),
    roles: new Map([[options.roleArn, { policy: options.rolePolicy ?? fullAccessPolicy(options.buckets) }]]),
    region: options.region,
    now,
  };
  const timeouts: ConnectionTimeouts = { ...DEFAULT_CONNECTION_TIMEOUTS, ...definedOnly(options.timeouts ?? {}) };
  const callbackKey = await loadOrCreateCallbackKey(options.dataDir);
  const callback = { ...callbackKey, timeoutMs: options.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS, maxResponseBytes: MAX_CALLBACK_RESPONSE_BYTES };
  const storage = await Storage.open(options.dataDir, options.buckets, options.storage);
  const cors = new CorsRule(options.corsAllowedOrigins ?? ['*']);
  let url = '';
  let oss: Listening;
  try {
    oss = await listenLoopback(createOssListener({ storage, auth, cors, now, endpoint: () => url, callback }), options.port ?? 0, options.host, {
      timeouts,
      configure: (server) => answerClientErrors(server, cors, now),
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
  url = `http://${urlHost(options.host)}:${oss.port}`;
  let sts: Listening;
  try {
    const stsPort = options.stsPort ?? (options.port ? options.port + 1 : 0);
    sts = await listenLoopback(createStsListener(auth), stsPort, options.host, { timeouts });
  } catch (error) {
    await oss.close();
    await storage.close();
    throw error;
  }
  return {
    url,
    stsUrl: `http://${urlHost(options.host)}:${sts.port}/`,
    port: oss.port,
    stsPort: sts.port,
    close: async () => {
      await Promise.all([oss.close(), sts.close()]);
      await storage.close();
    },
  };
}

/** `oss:*` on each bucket and everything in it. */
export function fullAccessPolicy(buckets: readonly string[]): Policy {
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: buckets.flatMap((bucket) => [`acs:oss:*:*:${bucket}`, `acs:oss:*:*:${bucket}/*`]) }],
  };
}

/** Security tokens must stay valid across restarts, so the secret that signs them is kept on disk. */
async function loadOrCreateTokenSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, TOKEN_SECRET_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('hex');
  try {
    await writeFile(path, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(path, 'utf8')).trim();
    throw error;
  }
}

/** `{ idleTimeoutMs: undefined }` keeps the default instead of replacing it. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function urlHost(host: string | undefined): string {
  if (host === undefined) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
