import { createHash, randomUUID } from 'node:crypto';
import type { AuthContext } from '../auth/types';
import { safeEqual } from '../auth/safe-equal';
import { PolicyValidationError, validatePolicy } from '../policy/validate';
import type { Policy } from '../policy/types';
import { StsApiError } from './errors';
import { RecentNonces } from './recent-nonces';
import { rpcSignature, rpcStringToSign } from './rpc-signature';
import { STS_ACCESS_KEY_PREFIX, deriveStsSecret, issueStsCredentials, readSecurityToken } from './token';

export interface StsContext extends Pick<AuthContext, 'rootAccessKeyId' | 'rootAccessKeySecret' | 'tokenSecret' | 'roles' | 'now'> {
  /** Accepted distance between the request Timestamp and the server clock; default 15 min. */
  maxSkewMs?: number;
  /** Replay memory; when absent, one is kept per context object. */
  nonces?: RecentNonces;
}

export interface StsHttpRequest {
  method: string;
  query: URLSearchParams;
  body: string;
  contentType?: string;
}

export interface StsHttpResponse {
  status: number;
  /** JSON text */
  body: string;
}

const API_VERSION = '2015-04-01';
const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 3600;
const ROLE_ARN = /^acs:ram::\d+:role\/[\w.@-]{1,64}$/;
const ROLE_SESSION_NAME = /^[\w.@-]{2,64}$/;
/** ISO 8601 UTC, with or without milliseconds (ali-oss sends `toISOString()`). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const REQUIRED = ['Action', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature'];

const defaultNonces = new WeakMap<StsContext, RecentNonces>();

/**
 * The STS AssumeRole RPC endpoint, framework-free: parameters from the query string and from an
 * `application/x-www-form-urlencoded` body, answers in the STS JSON shapes. The root key may call it
 * (unlike real STS, where the root account may not assume roles), and so may temporary credentials
 * this STS issued, with their `SecurityToken` parameter (role chaining, as Alibaba Cloud STS accepts
 * from a Function Compute, ECS or RRSA role).
 */
export function handleStsRequest(req: StsHttpRequest, ctx: StsContext): StsHttpResponse {
  const requestId = randomUUID().toUpperCase();
  try {
    return { status: 200, body: JSON.stringify({ RequestId: requestId, ...assumeRole(req, ctx) }) };
  } catch (error) {
    const e = error instanceof StsApiError ? error : new StsApiError('InternalError');
    return { status: e.status, body: JSON.stringify({ RequestId: requestId, HostId: 'sts.local', Code: e.code, Message: e.message }) };
  }
}

function assumeRole(req: StsHttpRequest, ctx: StsContext) {
  const method = req.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw new StsApiError('UnsupportedHTTPMethod');
  const params = collectParameters(req);
  const param = (name: string): string | undefined => params.get(name);
  const missing = REQUIRED.find((name) => !param(name));
  if (missing) throw new StsApiError('MissingParameter', `The input parameter "${missing}" that is mandatory for processing this request is not supplied.`);

  authenticateCaller(method, params, ctx);

  if (param('Version') !== API_VERSION) throw new StsApiError('InvalidVersion');
  if (param('Action') !== 'AssumeRole') throw new StsApiError('InvalidAction.NotFound');
  if ((param('Format') ?? 'JSON').toUpperCase() !== 'JSON') throw new StsApiError('InvalidParameter', 'Only Format=JSON is supported.');

  const roleArn = param('RoleArn');
  if (!roleArn) throw new StsApiError('MissingParameter', 'The input parameter "RoleArn" that is mandatory for processing this request is not supplied.');
  if (!ROLE_ARN.test(roleArn)) throw new StsApiError('InvalidParameter.RoleArn');
  if (!ctx.roles.has(roleArn)) throw new StsApiError('EntityNotExist.Role');

  const sessionName = param('RoleSessionName');
  if (!sessionName) throw new StsApiError('MissingParameter', 'The input parameter "RoleSessionName" that is mandatory for processing this request is not supplied.');
  if (!ROLE_SESSION_NAME.test(sessionName)) throw new StsApiError('InvalidParameter.RoleSessionName');

  const durationText = param('DurationSeconds') ?? String(MAX_DURATION_SECONDS);
  const duration = /^\d{1,6}$/.test(durationText) ? Number(durationText) : NaN;
  if (!(duration >= MIN_DURATION_SECONDS && duration <= MAX_DURATION_SECONDS)) throw new StsApiError('InvalidParameter.DurationSeconds');

  const policyText = param('Policy');
  const policy = policyText === undefined || policyText === '' ? undefined : parsePolicy(policyText);

  const now = ctx.now();
  // Whole seconds, so the Expiration string shown to clients is exactly when the token stops working.
  const expiresAt = Math.floor(now / 1000) * 1000 + duration * 1000;
  const credentials = issueStsCredentials(
    { roleArn, roleSessionName: sessionName, issuedAt: now, expiresAt, ...(policy ? { policy } : {}) },
    ctx.tokenSecret,
  );
  return {
    AssumedRoleUser: { Arn: `${roleArn}/${sessionName}`, AssumedRoleId: `${roleId(roleArn)}:${sessionName}` },
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      AccessKeySecret: credentials.accessKeySecret,
      SecurityToken: credentials.securityToken,
      Expiration: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

/** Query and form body together; a name given twice is refused, since which one was signed is ambiguous. */
function collectParameters(req: StsHttpRequest): Map<string, string> {
  const sources = [req.query];
  if (req.method.toUpperCase() === 'POST' && /^application\/x-www-form-urlencoded\b/i.test(req.contentType ?? '')) {
    sources.push(new URLSearchParams(req.body));
  }
  const params = new Map<string, string>();
  for (const source of sources) {
    for (const [name, value] of source) {
      if (params.has(name)) throw new StsApiError('InvalidParameter', `The parameter "${name}" is specified more than once.`);
      params.set(name, value);
    }
  }
  return params;
}

/** Caller key, then signature, then time and nonce: a nonce is only consumed by a correctly signed request. */
function authenticateCaller(method: string, params: ReadonlyMap<string, string>, ctx: StsContext): void {
  const accessKeyId = params.get('AccessKeyId') ?? '';
  const callerSecret = callerSecretFor(accessKeyId, params.get('SecurityToken'), ctx);
  if (params.get('SignatureMethod') !== 'HMAC-SHA1' || params.get('SignatureVersion') !== '1.0') {
    throw new StsApiError('InvalidParameter', 'Only SignatureMethod=HMAC-SHA1 with SignatureVersion=1.0 is supported.');
  }

  const stringToSign = rpcStringToSign(method, params);
  if (!safeEqual(params.get('Signature') ?? '', rpcSignature(callerSecret, stringToSign))) {
    throw new StsApiError(
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    );
  }

  const timestamp = params.get('Timestamp') ?? '';
  const requestTime = TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(requestTime)) throw new StsApiError('InvalidTimeStamp.Format');
  const now = ctx.now();
  const maxSkewMs = ctx.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now - requestTime) > maxSkewMs) throw new StsApiError('InvalidTimeStamp.Expired');

  const nonces = ctx.nonces ?? nonceMemoryFor(ctx);
  if (!nonces.claim(`${accessKeyId}:${params.get('SignatureNonce') ?? ''}`, now, requestTime + maxSkewMs)) {
    throw new StsApiError('SignatureNonceUsed');
  }
}

/**
 * The secret the request must be signed with: the root key's, or for an `STS.` key the one derived
 * from it, once its `SecurityToken` (also a signed parameter) proves this STS issued the pair and it
 * has not expired. A token on the root key is refused, as OSS refuses it.
 */
function callerSecretFor(accessKeyId: string, securityToken: string | undefined, ctx: StsContext): string {
  if (!accessKeyId.startsWith(STS_ACCESS_KEY_PREFIX)) {
    if (accessKeyId !== ctx.rootAccessKeyId) throw new StsApiError('InvalidAccessKeyId.NotFound');
    if (securityToken !== undefined) throw new StsApiError('InvalidSecurityToken.MismatchWithAccessKey');
    return ctx.rootAccessKeySecret;
  }
  if (securityToken === undefined || securityToken === '') {
    throw new StsApiError('NoPermission', 'Temporary (STS) credentials need their SecurityToken parameter to call AssumeRole.');
  }
  const claims = readSecurityToken(securityToken, ctx.tokenSecret);
  if (!claims) throw new StsApiError('InvalidSecurityToken.Malformed');
  if (claims.accessKeyId !== accessKeyId) throw new StsApiError('InvalidSecurityToken.MismatchWithAccessKey');
  if (claims.expiresAt <= ctx.now()) throw new StsApiError('InvalidSecurityToken.Expired');
  return deriveStsSecret(accessKeyId, ctx.tokenSecret);
}

function parsePolicy(text: string): Policy {
  try {
    return validatePolicy(text);
  } catch (error) {
    if (error instanceof PolicyValidationError) throw new StsApiError(error.code, error.message);
    throw error;
  }
}

function nonceMemoryFor(ctx: StsContext): RecentNonces {
  let nonces = defaultNonces.get(ctx);
  if (!nonces) {
    nonces = new RecentNonces();
    defaultNonces.set(ctx, nonces);
  }
  return nonces;
}

/** A stable 17-digit id per role, shaped like RAM's numeric role ids. */
function roleId(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 17n).toString().padStart(17, '0');
}
