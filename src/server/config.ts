import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS, type ConnectionTimeouts } from './http-timeouts';

/**
 * Start-up configuration from environment variables. Two modes:
 * - local (default): an embedded OSS + STS server; the root key is generated once into DATA_DIR.
 * - cloud (OSS_ENDPOINT or STS_ENDPOINT set): real Alibaba Cloud; the role ARN is required, and the
 *   token endpoint's own credentials come from the environment: an AccessKey, temporary credentials
 *   (with ALIBABA_CLOUD_SECURITY_TOKEN, as Function Compute injects them), or the default chain of
 *   `@alicloud/credentials` (credentials URI, ECS RAM role, RRSA).
 * Every problem is a ConfigError with one line naming the variable, and never a secret.
 */
export interface Config {
  /** Port of the app and the token endpoint: PORT, else FC_SERVER_PORT (Function Compute), else 5173. */
  port: number;
  /**
   * Interface the app server listens on: HOST, else `0.0.0.0` under Function Compute (FC_SERVER_PORT
   * set: FC reaches the server from outside the instance), else `localhost`.
   */
  host: string;
  /** REDIS_URL: rate limits shared by every instance through this Redis; null keeps them in memory. */
  redisUrl: string | null;
  /**
   * DATABASE_URL (`postgres://` or `postgresql://`): upload records in this PostgreSQL server, shared
   * by every instance; null keeps them in an embedded PostgreSQL (PGlite) in DATA_DIR.
   */
  databaseUrl: string | null;
  /**
   * PUBLIC_URL: the origin (and path prefix, if any) browsers and OSS reach this app at, e.g.
   * `https://uploads.example.com`; OSS upload callbacks go to `<PUBLIC_URL>/api/uploads/callback`.
   * Null: in local mode the app's own loopback address is used; in cloud mode no callbacks are
   * issued (records come from the browser's confirm call only).
   */
  publicUrl: string | null;
  /** CALLBACK_TIMEOUT_MS: how long the local OSS waits for an upload callback (default 5000, as OSS). */
  callbackTimeoutMs: number;
  /** Absolute. */
  dataDir: string;
  bucket: string;
  /** e.g. `oss-cn-hangzhou`. */
  region: string;
  roleArn: string;
  /** False when BROWSER=none. */
  openBrowser: boolean;
  /**
   * Slow and silent clients (HEADERS_TIMEOUT_MS, default 30000; IDLE_TIMEOUT_MS, default 60000):
   * the limits for the stack's HTTP servers, see applyConnectionTimeouts and docs/local-oss-limits.md.
   */
  timeouts: ConnectionTimeouts;
  oss: LocalOssConfig | CloudOssConfig;
}

export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** Temporary credentials only (ALIBABA_CLOUD_SECURITY_TOKEN); never in local mode. */
  securityToken?: string;
}

export interface LocalOssConfig {
  mode: 'local';
  port: number;
  /** Always `port + 1` (0 when port is 0: a free port). */
  stsPort: number;
  rootKey: AccessKey;
  /** Where the generated key is kept; null when the key came from the environment. */
  credentialsFile: string | null;
}

export interface CloudOssConfig {
  mode: 'cloud';
  /** e.g. `https://oss-cn-hangzhou.aliyuncs.com`. */
  endpoint: string;
  /** e.g. `https://sts.aliyuncs.com`. */
  stsEndpoint: string;
  /**
   * The key the token endpoint signs AssumeRole with, from ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET (and
   * ALIBABA_CLOUD_SECURITY_TOKEN); absent when the default credential chain provides it instead.
   */
  rootKey?: AccessKey;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export const DEFAULT_ROLE_ARN = 'acs:ram::1000000000000000:role/oss-uploader';
export const DEFAULT_STS_ENDPOINT = 'https://sts.aliyuncs.com';
const CREDENTIALS_FILE = 'credentials.json';
const DEFAULT_CALLBACK_TIMEOUT_MS = 5_000;
/** Variables that let `@alicloud/credentials`' default chain find credentials without an AccessKey. */
const CHAIN_VARIABLES = ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABA_CLOUD_ECS_METADATA', 'ALIBABA_CLOUD_OIDC_TOKEN_FILE'];

export function loadConfig(env: Env, options: { cwd: string }): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const fcPort = read('FC_SERVER_PORT');
  const port = read('PORT') !== undefined ? parsePort('PORT', read('PORT'), 5173) : parsePort('FC_SERVER_PORT', fcPort, 5173);
  const host = parseHost(read('HOST') ?? (fcPort !== undefined ? '0.0.0.0' : 'localhost'));
  const redisUrl = parseRedisUrl(read('REDIS_URL'));
  const databaseUrl = parseDatabaseUrl(read('DATABASE_URL'));
  const publicUrl = parsePublicUrl(read('PUBLIC_URL'));
  const callbackTimeoutMs = parseMilliseconds('CALLBACK_TIMEOUT_MS', read('CALLBACK_TIMEOUT_MS'), DEFAULT_CALLBACK_TIMEOUT_MS);
  const dataDir = resolve(options.cwd, read('DATA_DIR') ?? './.data');
  const bucket = parseBucket(read('OSS_BUCKET') ?? 'uploads');
  const region = parseRegion(read('OSS_REGION') ?? 'oss-cn-hangzhou');
  const envKey = parseKeyPair(read('ALIBABA_CLOUD_ACCESS_KEY_ID'), read('ALIBABA_CLOUD_ACCESS_KEY_SECRET'));
  const securityToken = read('ALIBABA_CLOUD_SECURITY_TOKEN');
  if (securityToken !== undefined && !envKey) throw new ConfigError('ALIBABA_CLOUD_SECURITY_TOKEN is set without ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET.');
  // Under RRSA, ALIBABA_CLOUD_ROLE_ARN names the pod's own role (read by the credential chain), so
  // the role handed to uploaders can be named apart.
  const roleArnValue = read('UPLOAD_ROLE_ARN') ?? read('ALIBABA_CLOUD_ROLE_ARN');
  const roleArnName = read('UPLOAD_ROLE_ARN') !== undefined ? 'UPLOAD_ROLE_ARN' : 'ALIBABA_CLOUD_ROLE_ARN';
  const openBrowser = read('BROWSER')?.toLowerCase() !== 'none';
  const ossEndpoint = read('OSS_ENDPOINT');
  const stsEndpoint = read('STS_ENDPOINT');
  const timeouts: ConnectionTimeouts = {
    headersTimeoutMs: parseMilliseconds('HEADERS_TIMEOUT_MS', read('HEADERS_TIMEOUT_MS'), DEFAULT_HEADERS_TIMEOUT_MS),
    idleTimeoutMs: parseMilliseconds('IDLE_TIMEOUT_MS', read('IDLE_TIMEOUT_MS'), DEFAULT_IDLE_TIMEOUT_MS),
  };

  if (ossEndpoint !== undefined || stsEndpoint !== undefined) {
    if (ossEndpoint === undefined) throw new ConfigError('OSS_ENDPOINT is required when STS_ENDPOINT is set (cloud mode).');
    const chain = CHAIN_VARIABLES.filter((name) => read(name) !== undefined);
    if (!envKey && chain.length === 0) {
      throw new ConfigError(
        'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required in cloud mode (OSS_ENDPOINT is set), unless ALIBABA_CLOUD_CREDENTIALS_URI, ALIBABA_CLOUD_ECS_METADATA or ALIBABA_CLOUD_OIDC_TOKEN_FILE (RRSA) provides credentials.',
      );
    }
    if (!envKey && chain.includes('ALIBABA_CLOUD_OIDC_TOKEN_FILE') && read('UPLOAD_ROLE_ARN') === undefined) {
      throw new ConfigError('UPLOAD_ROLE_ARN is required with RRSA (ALIBABA_CLOUD_OIDC_TOKEN_FILE is set): ALIBABA_CLOUD_ROLE_ARN names the pod\'s own role there.');
    }
    if (roleArnValue === undefined) throw new ConfigError('ALIBABA_CLOUD_ROLE_ARN (or UPLOAD_ROLE_ARN) is required in cloud mode (OSS_ENDPOINT is set).');
    return {
      port,
      host,
      redisUrl,
      databaseUrl,
      publicUrl,
      callbackTimeoutMs,
      dataDir,
      bucket,
      region,
      roleArn: parseRoleArn(roleArnValue, roleArnName),
      openBrowser,
      timeouts,
      oss: {
        mode: 'cloud',
        endpoint: parseUrl('OSS_ENDPOINT', ossEndpoint),
        stsEndpoint: parseUrl('STS_ENDPOINT', stsEndpoint ?? DEFAULT_STS_ENDPOINT),
        ...(envKey ? { rootKey: securityToken === undefined ? envKey : { ...envKey, securityToken } } : {}),
      },
    };
  }

  if (securityToken !== undefined) throw new ConfigError('ALIBABA_CLOUD_SECURITY_TOKEN is only used in cloud mode (set OSS_ENDPOINT and STS_ENDPOINT).');
  const ossPort = parsePort('LOCAL_OSS_PORT', read('LOCAL_OSS_PORT'), 9000);
  if (ossPort === 65535) throw new ConfigError('LOCAL_OSS_PORT must be at most 65534: STS listens on LOCAL_OSS_PORT + 1.');
  const credentialsFile = envKey ? null : resolve(dataDir, CREDENTIALS_FILE);
  return {
    port,
    host,
    redisUrl,
    databaseUrl,
    publicUrl,
    callbackTimeoutMs,
    dataDir,
    bucket,
    region,
    roleArn: parseRoleArn(roleArnValue ?? DEFAULT_ROLE_ARN, roleArnName),
    openBrowser,
    timeouts,
    oss: {
      mode: 'local',
      port: ossPort,
      stsPort: ossPort === 0 ? 0 : ossPort + 1,
      rootKey: envKey ?? loadOrCreateLocalKey(dataDir, resolve(dataDir, CREDENTIALS_FILE)),
      credentialsFile,
    },
  };
}

function parsePort(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new ConfigError(`${name} must be a port number 0-65535, got "${value}".`);
  return port;
}

/** A whole number of milliseconds, at least 1 (0 would mean "no limit", which these must not be). */
function parseMilliseconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) throw new ConfigError(`${name} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got "${value}".`);
  return ms;
}

function parseBucket(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(value)) {
    throw new ConfigError(`OSS_BUCKET must be 3-63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit, got "${value}".`);
  }
  return value;
}

function parseRegion(value: string): string {
  if (!/^oss-[a-z]+(-[a-z0-9]+)+$/.test(value)) throw new ConfigError(`OSS_REGION must look like "oss-cn-hangzhou", got "${value}".`);
  return value;
}

/** A host name or IP address to listen on: `localhost`, `0.0.0.0`, `::`, `10.0.0.5`… */
function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(value)) throw new ConfigError(`HOST must be a host name or IP address such as localhost or 0.0.0.0, got "${value}".`);
  return value;
}

function parseRedisUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  // The URL can carry a password: never echo it.
  if (url?.protocol !== 'redis:' && url?.protocol !== 'rediss:') throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL.');
  return value;
}

function parseDatabaseUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  // The URL can carry a password: never echo it.
  if (url?.protocol !== 'postgres:' && url?.protocol !== 'postgresql:') throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL.');
  return value;
}

/** An http(s) origin with an optional path prefix; no query, no fragment, no credentials. */
function parsePublicUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if ((url?.protocol !== 'http:' && url?.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(`PUBLIC_URL must be the http(s) URL the app is reached at, such as https://uploads.example.com, without query or fragment, got "${value}".`);
  }
  return url.href.replace(/\/+$/, '');
}

function parseRoleArn(value: string, name = 'ALIBABA_CLOUD_ROLE_ARN'): string {
  if (!/^acs:ram::\d+:role\/[A-Za-z0-9.@_-]+$/.test(value)) {
    throw new ConfigError(`${name} must look like "acs:ram::<account id>:role/<role name>", got "${value}".`);
  }
  return value;
}

function parseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got "${value}".`);
  return value.replace(/\/+$/, '');
}

/** Both or neither; the message names the missing half and never echoes a value. */
function parseKeyPair(accessKeyId: string | undefined, accessKeySecret: string | undefined): AccessKey | null {
  if (accessKeyId === undefined && accessKeySecret === undefined) return null;
  if (accessKeySecret === undefined) throw new ConfigError('ALIBABA_CLOUD_ACCESS_KEY_SECRET is missing: set it together with ALIBABA_CLOUD_ACCESS_KEY_ID, or neither.');
  if (accessKeyId === undefined) throw new ConfigError('ALIBABA_CLOUD_ACCESS_KEY_ID is missing: set it together with ALIBABA_CLOUD_ACCESS_KEY_SECRET, or neither.');
  if (!/^[A-Za-z0-9.]+$/.test(accessKeyId)) throw new ConfigError('ALIBABA_CLOUD_ACCESS_KEY_ID may contain only letters, digits and ".".');
  return { accessKeyId, accessKeySecret };
}

/** The local root key: created once (0600) so restarts, tokens and saved uploads keep working. */
function loadOrCreateLocalKey(dataDir: string, file: string): AccessKey {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`DATA_DIR: cannot read ${file} (${(error as NodeJS.ErrnoException).code}).`);
  }
  if (text !== undefined) {
    const parsed = safeParse(text);
    if (typeof parsed?.accessKeyId !== 'string' || typeof parsed.accessKeySecret !== 'string') {
      throw new ConfigError(`DATA_DIR: ${file} is not a valid credentials file; delete it to generate a new key.`);
    }
    return { accessKeyId: parsed.accessKeyId, accessKeySecret: parsed.accessKeySecret };
  }
  const key: AccessKey = { accessKeyId: `LTAI${randomAlphanumeric(20)}`, accessKeySecret: randomAlphanumeric(30) };
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (error) {
    throw new ConfigError(`DATA_DIR: cannot write ${file} (${(error as NodeJS.ErrnoException).code}).`);
  }
  return key;
}

function safeParse(text: string): Partial<AccessKey> | null {
  try {
    return JSON.parse(text) as Partial<AccessKey>;
  } catch {
    return null;
  }
}

function randomAlphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  // 62 does not divide 256; rejecting bytes ≥ 248 keeps the choice uniform.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) if (byte < 248 && out.length < length) out += alphabet[byte % 62];
  }
  return out;
}
