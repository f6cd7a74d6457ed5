import { createHmac, randomUUID } from 'node:crypto';
import type { RamPolicy } from './policy';

export interface AssumeRoleRequest {
  roleArn: string;
  policy: RamPolicy;
  durationSeconds: number;
  sessionName: string;
}

export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** When the credentials stop working. */
  expiration: Date;
}

/** Obtains temporary credentials; rejects with {@link StsError}. */
export type AssumeRole = (request: AssumeRoleRequest) => Promise<StsCredentials>;

/** Whoever calls AssumeRole: a RAM user's AccessKey, or temporary credentials (with their token). */
export interface CallerCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for temporary credentials (Function Compute, ECS RAM role, RRSA, a credentials URI). */
  securityToken?: string;
}

/** Current caller credentials; a source that refreshes (see credential-source.ts) answers from its cache. */
export type CallerCredentialSource = () => Promise<CallerCredentials>;

export type StsClientOptions = (CallerCredentials | { credentials: CallerCredentialSource }) & {
  /** Full URL of the STS endpoint, e.g. `https://sts.aliyuncs.com` or the local STS. */
  endpoint: string;
  timeoutMs: number;
};

/**
 * An STS failure, for the server log: `code` is the STS error code when STS gave one, `message`
 * STS's own words (the caller's key taken out; they can still name the role, the account or the
 * policy), `requestId` STS's request id. The browser sees none of them: the token endpoint answers
 * with a code of its own (see {@link stsFailureKind}) and `httpStatus` (502, or 504 on timeout).
 */
export class StsError extends Error {
  override readonly name = 'StsError';
  readonly code: string;
  readonly httpStatus: 502 | 504;
  readonly requestId: string | undefined;

  constructor(code: string, message: string, httpStatus: 502 | 504 = 502, options: { cause?: unknown; requestId?: string } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.httpStatus = httpStatus;
    this.requestId = options.requestId;
  }
}

/**
 * - `timeout`: STS did not answer in time.
 * - `unavailable`: STS could not be reached, was throttling or failing, or answered with something
 *   unusable; likely to pass.
 * - `refused`: STS answered with a refusal (role, trust policy, the endpoint's key or signature):
 *   the site's setup has to change.
 */
export type StsFailureKind = 'refused' | 'unavailable' | 'timeout';

/** STS's codes for being busy or failing itself, and ours for no usable answer. */
const UNAVAILABLE_CODES = new Set([
  'StsUnavailable',
  'StsUnreachable',
  'MalformedStsResponse',
  'CallerCredentialsUnavailable',
  'ServiceUnavailable',
  'ServiceUnavailableTemporary',
  'InternalError',
  'UnknownError',
]);

export function stsFailureKind(error: StsError): StsFailureKind {
  if (error.httpStatus === 504 || error.code === 'StsTimeout') return 'timeout';
  if (UNAVAILABLE_CODES.has(error.code) || error.code.startsWith('Throttling')) return 'unavailable';
  return 'refused';
}

/**
 * An {@link AssumeRole} that POSTs a signed RPC form (signature V1, HMAC-SHA1) to `endpoint`, with
 * `SecurityToken` among the signed parameters when the caller's credentials are temporary.
 *
 * Our own signer, not ali-oss's STS class (which cannot add a SecurityToken) nor
 * `@alicloud/sts20150401`: that SDK signs the same V1 RPC request and can be pointed at any
 * endpoint, but it pulls in ~25 MB of generated code, splits parameters between query and body, and
 * wraps STS's answers in its own error classes; this request is one form and one HMAC. Where the
 * caller's credentials come from (AccessKey, FC/ECS role, RRSA, credentials URI) is the job of the
 * official `@alicloud/credentials` chain, see credential-source.ts.
 */
export function createAssumeRole(options: StsClientOptions): AssumeRole {
  const source: CallerCredentialSource =
    'credentials' in options
      ? options.credentials
      : () => Promise.resolve({ accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret, ...(options.securityToken ? { securityToken: options.securityToken } : {}) });

  return async function assumeRole(request) {
    let caller: CallerCredentials;
    try {
      caller = await withTimeout(source(), options.timeoutMs);
    } catch (error) {
      throw new StsError('CallerCredentialsUnavailable', 'the token endpoint could not get its own credentials', 502, { cause: error });
    }
    const redact = (text: string): string => {
      let out = text;
      for (const secret of [caller.accessKeySecret, caller.securityToken, caller.accessKeyId]) {
        if (secret) out = out.replaceAll(secret, '[redacted]');
      }
      return out;
    };
    const body = signedAssumeRoleForm(request, caller);
    let response: Response;
    let text: string;
    try {
      ({ response, text } = await withTimeout(post(options.endpoint, body, options.timeoutMs), options.timeoutMs));
    } catch (error) {
      if (error instanceof LocalTimeout || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))) {
        throw new StsError('StsTimeout', 'STS did not answer in time', 504, { cause: error });
      }
      throw new StsError('StsUnreachable', 'STS could not be reached', 502, { cause: error });
    }
    if (!response.ok) throw errorFromAnswer(response.status, text, redact);
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch (error) {
      throw new StsError('MalformedStsResponse', 'STS answered with a body that is not JSON', 502, { cause: error });
    }
    return parseCredentials({ credentials: (answer as { Credentials?: unknown } | null)?.Credentials });
  };
}

async function post(endpoint: string, body: string, timeoutMs: number): Promise<{ response: Response; text: string }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { response, text: await response.text() };
}

/** The AssumeRole parameters, signed as Alibaba Cloud RPC APIs expect, as a form body. */
export function signedAssumeRoleForm(request: AssumeRoleRequest, caller: CallerCredentials, at = new Date(), nonce = randomUUID()): string {
  const params: Record<string, string> = {
    Action: 'AssumeRole',
    Version: '2015-04-01',
    Format: 'JSON',
    AccessKeyId: caller.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce,
    Timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    RoleArn: request.roleArn,
    RoleSessionName: request.sessionName,
    DurationSeconds: String(request.durationSeconds),
    Policy: JSON.stringify(request.policy),
    ...(caller.securityToken ? { SecurityToken: caller.securityToken } : {}),
  };
  const canonical = Object.entries(params)
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const stringToSign = `POST&${percentEncode('/')}&${percentEncode(canonical)}`;
  const signature = createHmac('sha1', `${caller.accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
  return `${canonical}&Signature=${percentEncode(signature)}`;
}

/** RFC 3986 unreserved characters kept, everything else %XX (UTF-8, upper case), as the RPC signature needs. */
function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

class LocalTimeout extends Error {
  override readonly name = 'LocalTimeout';
}

/** fetch's own signal covers the socket; this one also bounds anything that never settles. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LocalTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorFromAnswer(status: number, text: string, redact: (text: string) => string): StsError {
  const document = parseJson(text) as { Code?: unknown; Message?: unknown; RequestId?: unknown } | null;
  if (document && typeof document.Code === 'string' && document.Code !== '') {
    // SignatureDoesNotMatch appends the server's string to sign, which names the caller's key.
    const message = String(document.Message ?? '').replace(/\s*server string to sign is:.*$/is, '');
    return new StsError(document.Code, redact(message || `STS answered HTTP ${status}`), 502, {
      ...(typeof document.RequestId === 'string' ? { requestId: document.RequestId } : {}),
    });
  }
  // No JSON error document: a proxy or load balancer answered, not STS itself.
  return new StsError('StsUnavailable', `STS answered HTTP ${status} without an error document`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function parseCredentials(answer: unknown): StsCredentials {
  const credentials = (answer as { credentials?: Record<string, unknown> } | undefined)?.credentials;
  const accessKeyId = credentials?.['AccessKeyId'];
  const accessKeySecret = credentials?.['AccessKeySecret'];
  const securityToken = credentials?.['SecurityToken'];
  const expiration = credentials?.['Expiration'];
  if (
    !isNonEmptyString(accessKeyId) ||
    !isNonEmptyString(accessKeySecret) ||
    !isNonEmptyString(securityToken) ||
    !isNonEmptyString(expiration) ||
    Number.isNaN(Date.parse(expiration))
  ) {
    throw new StsError('MalformedStsResponse', 'STS answered without usable credentials');
  }
  return { accessKeyId, accessKeySecret, securityToken, expiration: new Date(expiration) };
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
