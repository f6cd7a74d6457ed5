import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertUploadPrefix, PolicyInputError } from './policy';

/** The token endpoint's own settings, read from `TOKEN_*` environment variables. */
export interface TokenSettings {
  /** Lifetime of issued credentials, 900..3600 s. */
  durationSeconds: number;
  /** Root of every uploader's prefix: credentials are scoped to `<keyPrefix><subject>/`. */
  keyPrefix: string;
  /** Also grant ListMultipartUploads (restricted to the uploader's prefix). */
  listUploads: boolean;
  /** Exact origins of pages that may embed the uploader and call the endpoint with cookies. */
  corsOrigins: string[];
  /** Token requests per minute (and burst size); 0 disables that limit. */
  rateLimit: { perSubjectPerMinute: number; perIpPerMinute: number };
  /** Believe `X-Forwarded-For` / `X-Forwarded-Proto` (only behind a proxy that sets them). */
  trustProxy: boolean;
  stsTimeoutMs: number;
  /** HMAC key for the uploader cookie; when absent one is generated and kept in the data directory. */
  cookieSecret?: string;
}

/** A `TOKEN_*` variable is unusable; the message is one line naming it. */
export class TokenConfigError extends Error {
  override readonly name = 'TokenConfigError';
}

export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 3600;
const MIN_COOKIE_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

export function loadTokenSettings(env: Env): TokenSettings {
  const durationSeconds = readInteger(env, 'TOKEN_DURATION_SECONDS', MAX_DURATION_SECONDS);
  const cookieSecret = readOptional(env, 'TOKEN_COOKIE_SECRET');
  if (cookieSecret !== undefined && cookieSecret.length < MIN_COOKIE_SECRET_LENGTH) {
    throw new TokenConfigError(`TOKEN_COOKIE_SECRET must be at least ${MIN_COOKIE_SECRET_LENGTH} characters`);
  }
  return {
    // STS itself refuses durations outside 15 min .. the role's maximum (1 h by default).
    durationSeconds: Math.min(MAX_DURATION_SECONDS, Math.max(MIN_DURATION_SECONDS, durationSeconds)),
    keyPrefix: readKeyPrefix(env),
    listUploads: readBoolean(env, 'TOKEN_LIST_UPLOADS', false),
    corsOrigins: readOrigins(env),
    rateLimit: {
      perSubjectPerMinute: readInteger(env, 'TOKEN_RATE_PER_SUBJECT', 30),
      perIpPerMinute: readInteger(env, 'TOKEN_RATE_PER_IP', 120),
    },
    trustProxy: readBoolean(env, 'TOKEN_TRUST_PROXY', false),
    stsTimeoutMs: readInteger(env, 'TOKEN_STS_TIMEOUT_MS', 10_000),
    ...(cookieSecret === undefined ? {} : { cookieSecret }),
  };
}

const COOKIE_SECRET_FILE = 'token-cookie-secret';

/**
 * The configured cookie secret, or the one kept in `dataDir` (created on first start), so that
 * uploaders keep their prefix across server restarts.
 */
export async function resolveCookieSecret(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured !== undefined) return configured;
  const file = join(dataDir, COOKIE_SECRET_FILE);
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (stored.length >= MIN_COOKIE_SECRET_LENGTH) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated = randomBytes(32).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${generated}\n`, { mode: 0o600 });
  return generated;
}

function readOptional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readInteger(env: Env, name: string, fallback: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new TokenConfigError(`${name} must be a whole non-negative number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readOptional(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new TokenConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function readKeyPrefix(env: Env): string {
  const prefix = readOptional(env, 'TOKEN_KEY_PREFIX') ?? 'uploads/';
  try {
    assertUploadPrefix(prefix);
  } catch (error) {
    if (error instanceof PolicyInputError) throw new TokenConfigError(`TOKEN_KEY_PREFIX: ${error.message}`);
    throw error;
  }
  return prefix;
}

function readOrigins(env: Env): string[] {
  const raw = readOptional(env, 'TOKEN_CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      // Credentialed CORS needs the exact origin echoed: no `*`, no paths.
      let origin: string;
      try {
        origin = new URL(entry).origin;
      } catch {
        origin = 'null';
      }
      if (origin === 'null' || origin !== entry.replace(/\/$/, '')) {
        throw new TokenConfigError(`TOKEN_CORS_ORIGINS entries must be origins like https://shop.example.com, got ${JSON.stringify(entry)}`);
      }
      return origin;
    });
}
