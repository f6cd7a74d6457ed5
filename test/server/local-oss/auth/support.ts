/**
 * Shared fixtures: an auth context, and a real ali-oss client whose transport records the request it
 * would send instead of sending it, so tests verify exactly what ali-oss signs.
 */
import OSS from 'ali-oss';
import type { AuthContext, AuthRequest } from '../../../../src/server/local-oss/auth';
import type { Policy } from '../../../../src/server/local-oss/policy';

export const ROOT_ID = 'LTAIrootTestKey00';
export const ROOT_SECRET = 'rootTestSecret-not-real';
export const TOKEN_SECRET = 'server-token-secret-for-tests';
export const ROLE_ARN = 'acs:ram::1234567890123456:role/uploader';
export const BUCKET = 'examplebucket';

export const ALLOW_ALL: Policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] };

export function makeContext(overrides: Partial<AuthContext> = {}): AuthContext {
  return {
    rootAccessKeyId: ROOT_ID,
    rootAccessKeySecret: ROOT_SECRET,
    tokenSecret: TOKEN_SECRET,
    roles: new Map([[ROLE_ARN, { policy: ALLOW_ALL }]]),
    region: 'oss-cn-hangzhou',
    now: () => Date.now(),
    ...overrides,
  };
}

export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface ClientOptions {
  accessKeyId: string;
  accessKeySecret: string;
  stsToken?: string;
  authorizationV4?: boolean;
  region?: string;
  /** ali-oss `headerEncoding`: 'latin1' sends header values as their UTF-8 bytes. */
  headerEncoding?: 'utf-8' | 'latin1';
}

/** A path-style ali-oss client for `examplebucket` whose requests never leave the process. */
export function capturingClient(options: ClientOptions): { client: OSS; lastRequest: () => CapturedRequest } {
  let last: CapturedRequest | undefined;
  const urllib = {
    request: async (url: string, params: { method: string; headers: Record<string, unknown> }) => {
      const headers = Object.fromEntries(
        Object.entries(params.headers)
          .filter(([, value]) => value !== undefined && value !== null)
          .map(([name, value]) => [name.toLowerCase(), String(value)]),
      );
      last = { method: params.method.toUpperCase(), url, headers };
      throw new Error('captured, not sent');
    },
  };
  const client = new OSS({
    bucket: BUCKET,
    endpoint: 'http://localhost:1',
    sldEnable: true,
    region: options.region ?? 'oss-cn-hangzhou',
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    // Without a refresher ali-oss warns on every STS request; this one hands back the same credentials.
    ...(options.stsToken
      ? {
          stsToken: options.stsToken,
          refreshSTSToken: async () => ({ accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret, stsToken: options.stsToken }),
        }
      : {}),
    ...(options.authorizationV4 ? { authorizationV4: true } : {}),
    ...(options.headerEncoding ? { headerEncoding: options.headerEncoding } : {}),
    urllib,
  } as OSS.Options);
  return {
    client,
    lastRequest: () => {
      if (!last) throw new Error('no request captured');
      return last;
    },
  };
}

/** Runs one ali-oss call and returns what it would have sent. */
export async function capture(
  clientWithCapture: ReturnType<typeof capturingClient>,
  call: (client: OSS) => Promise<unknown>,
): Promise<CapturedRequest> {
  await call(clientWithCapture.client).catch(() => undefined);
  return clientWithCapture.lastRequest();
}

/**
 * Resolves a path-style URL the way the server does: bucket = first path segment, key = the
 * percent-decoded rest (`+` stays `+`), query pairs decoded in order with '' for a missing value.
 */
export function toAuthRequest(method: string, url: string, headers: Record<string, string> = {}): AuthRequest {
  const parsed = new URL(url);
  const path = parsed.pathname.slice(1);
  const slash = path.indexOf('/');
  const bucket = slash < 0 ? path : path.slice(0, slash);
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  const query = parsed.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair): [string, string] => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [decodeURIComponent(pair), ''] : [decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))];
    });
  return {
    method: method.toUpperCase(),
    bucket: bucket === '' ? null : bucket,
    key: rawKey === '' ? null : decodeURIComponent(rawKey),
    query,
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  };
}

export function capturedToAuthRequest(request: CapturedRequest): AuthRequest {
  return toAuthRequest(request.method, request.url, request.headers);
}

/** Runs `fn` and returns the OssError code it threw (fails the test if it did not throw). */
export function errorOf(fn: () => unknown): { code: string; message: string; extra: Record<string, string> } {
  try {
    fn();
  } catch (error) {
    const e = error as { code: string; message: string; extra: Record<string, string> };
    return { code: e.code, message: e.message, extra: e.extra };
  }
  throw new Error('expected an error, none was thrown');
}
