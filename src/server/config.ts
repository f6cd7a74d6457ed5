import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS, type ConnectionTimeouts } from './http-timeouts';

/**
 * Start-up configuration from environment variables. Two modes:
 * - local (default): an embedded OSS + STS server; the root key is generated once into DATA_DIR.
 * - cloud (OSS_ENDPOINT or STS_ENDPOINT set): real Alibaba Cloud; key and role ARN are required.
 * Every problem is a ConfigError with one line naming the variable, and never a secret.
 */
export interface Config {
  /** Port of the app and the token endpoint. */
  port: number;
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
  rootKey: AccessKey;
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

export function loadConfig(env: Env, options: { cwd: string }): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const port = parsePort('PORT', read('PORT'), 5173);
  const dataDir = resolve(options.cwd, read('DATA_DIR') ?? './.data');
  const bucket = parseBucket(read('OSS_BUCKET') ?? 'uploads');
  const region = parseRegion(read('OSS_REGION') ?? 'oss-cn-hangzhou');
  const envKey = parseKeyPair(read('ALIBABA_CLOUD_ACCESS_KEY_ID'), read('ALIBABA_CLOUD_ACCESS_KEY_SECRET'));
  const roleArnValue = read('ALIBABA_CLOUD_ROLE_ARN');
  const openBrowser = read('BROWSER')?.toLowerCase() !== 'none';
  const ossEndpoint = read('OSS_ENDPOINT');
  const stsEndpoint = read('STS_ENDPOINT');
  const timeouts: ConnectionTimeouts = {
    headersTimeoutMs: parseMilliseconds('HEADERS_TIMEOUT_MS', read('HEADERS_TIMEOUT_MS'), DEFAULT_HEADERS_TIMEOUT_MS),
    idleTimeoutMs: parseMilliseconds('IDLE_TIMEOUT_MS', read('IDLE_TIMEOUT_MS'), DEFAULT_IDLE_TIMEOUT_MS),
  };

  if (ossEndpoint !== undefined || stsEndpoint !== undefined) {
    if (ossEndpoint === undefined) throw new ConfigError('OSS_ENDPOINT is required when STS_ENDPOINT is set (cloud mode).');
    if (!envKey) throw new ConfigError('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required in cloud mode (OSS_ENDPOINT is set).');
    if (roleArnValue === undefined) throw new ConfigError('ALIBABA_CLOUD_ROLE_ARN is required in cloud mode (OSS_ENDPOINT is set).');
    return {
      port,
      dataDir,
      bucket,
      region,
      roleArn: parseRoleArn(roleArnValue),
      openBrowser,
      timeouts,
      oss: {
        mode: 'cloud',
        endpoint: parseUrl('OSS_ENDPOINT', ossEndpoint),
        stsEndpoint: parseUrl('STS_ENDPOINT', stsEndpoint ?? DEFAULT_STS_ENDPOINT),
        rootKey: envKey,
      },
    };
  }

  const ossPort = parsePort('LOCAL_OSS_PORT', read('LOCAL_OSS_PORT'), 9000);
  if (ossPort === 65535) throw new ConfigError('LOCAL_OSS_PORT must be at most 65534: STS listens on LOCAL_OSS_PORT + 1.');
  const credentialsFile = envKey ? null : resolve(dataDir, CREDENTIALS_FILE);
  return {
    port,
    dataDir,
    bucket,
    region,
    roleArn: parseRoleArn(roleArnValue ?? DEFAULT_ROLE_ARN),
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

function parseRoleArn(value: string): string {
  if (!/^acs:ram::\d+:role\/[A-Za-z0-9.@_-]+$/.test(value)) {
    throw new ConfigError(`ALIBABA_CLOUD_ROLE_ARN must look like "acs:ram::<account id>:role/<role name>", got "${value}".`);
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
