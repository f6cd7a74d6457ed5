import type { TokenAppConfig } from '../../../src/server/token/app';
import type { TokenLogger } from '../../../src/server/token/logger';
import { localOssTarget } from '../../../src/server/token/oss-target';

export const ROLE_ARN = 'acs:ram::1234567890123456:role/uploader';
export const COOKIE_SECRET = 'cookie-secret-for-tests-0123456789abcdef';

export function testConfig(overrides: Partial<TokenAppConfig> = {}): TokenAppConfig {
  return {
    roleArn: ROLE_ARN,
    oss: localOssTarget({ url: 'http://localhost:9000', region: 'cn-hangzhou', bucket: 'examplebucket' }),
    durationSeconds: 900,
    keyPrefix: 'uploads/',
    listUploads: false,
    corsOrigins: [],
    rateLimit: { perSubjectPerMinute: 0, perIpPerMinute: 0 },
    trustProxy: false,
    cookieSecret: COOKIE_SECRET,
    ...overrides,
  };
}

/** Keeps every log line so tests can look for leaked secrets. */
export function recordingLogger(): TokenLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (event, fields) => lines.push(JSON.stringify({ event, ...fields })),
    warn: (event, fields) => lines.push(JSON.stringify({ event, ...fields })),
  };
}

/** A one-host cookie jar: what a browser would send back on the next request. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const separator = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, separator), pair!.slice(separator + 1));
    }
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { Cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}
