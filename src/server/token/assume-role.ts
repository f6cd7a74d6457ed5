import OSS from 'ali-oss';
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

export interface StsClientOptions {
  /** RAM user (or role) allowed to call `sts:AssumeRole` on the role. */
  accessKeyId: string;
  accessKeySecret: string;
  /** Full URL of the STS endpoint, e.g. `https://sts.aliyuncs.com` or the local STS. */
  endpoint: string;
  timeoutMs: number;
}

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

// urllib's names for its connect and response timers firing.
const URLLIB_TIMEOUT_ERRORS = new Set(['ConnectionTimeoutError', 'ResponseTimeoutError', 'SocketAssignTimeoutError']);

/** An {@link AssumeRole} backed by ali-oss's STS client (signature V1, form POST to `endpoint`). */
export function createAssumeRole(options: StsClientOptions): AssumeRole {
  // The typings of STSOptions omit `endpoint` and `timeout`, which lib/sts.js reads.
  const sts = new OSS.STS({
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    endpoint: options.endpoint,
    timeout: options.timeoutMs,
  } as OSS.STSOptions);
  const redactCallerSecrets = (text: string): string =>
    text.replaceAll(options.accessKeySecret, '[redacted]').replaceAll(options.accessKeyId, '[redacted]');

  return async function assumeRole(request) {
    let answer: unknown;
    try {
      answer = await withTimeout(
        sts.assumeRole(request.roleArn, request.policy, request.durationSeconds, request.sessionName),
        options.timeoutMs,
      );
    } catch (error) {
      throw toStsError(error, redactCallerSecrets);
    }
    return parseCredentials(answer);
  };
}

class LocalTimeout extends Error {
  override readonly name = 'LocalTimeout';
}

/** urllib's own timers cover real sockets; this one also bounds anything that never settles. */
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

function toStsError(error: unknown, redact: (text: string) => string): StsError {
  if (error instanceof LocalTimeout || (error instanceof Error && URLLIB_TIMEOUT_ERRORS.has(error.name))) {
    return new StsError('StsTimeout', 'STS did not answer in time', 504, { cause: error });
  }
  // ali-oss JSON.parses a 2xx body itself.
  if (error instanceof SyntaxError) {
    return new StsError('MalformedStsResponse', 'STS answered with a body that is not JSON', 502, { cause: error });
  }
  const details = error as { code?: unknown; status?: unknown; message?: unknown; requestId?: unknown };
  // urllib reports -1/-2 as the status when no response arrived.
  const answeredStatus = typeof details.status === 'number' && details.status >= 100 ? details.status : undefined;
  if (typeof details.code === 'string' && answeredStatus !== undefined) {
    // ali-oss formats the message as "<Code>: <Message>"; SignatureDoesNotMatch appends the string to sign.
    const message = String(details.message ?? '')
      .replace(/^[^:]*:\s*/, '')
      .replace(/\s*server string to sign is:.*$/is, '');
    // No `cause`: ali-oss attaches the signed request to it.
    return new StsError(details.code, redact(message || `STS answered HTTP ${answeredStatus}`), 502, {
      ...(typeof details.requestId === 'string' ? { requestId: details.requestId } : {}),
    });
  }
  if (answeredStatus !== undefined) {
    // No JSON error document: a proxy or load balancer answered, not STS itself.
    return new StsError('StsUnavailable', `STS answered HTTP ${answeredStatus} without an error document`);
  }
  return new StsError('StsUnreachable', 'STS could not be reached', 502, { cause: error });
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
