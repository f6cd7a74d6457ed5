import { createHash, createHmac } from 'node:crypto';
import { OssError } from '../errors';
import { resolveCredentials } from './credentials';
import { percentEncode } from './percent-encode';
import { assertNotExpired, assertWithinSkew, parseIsoBasic } from './request-time';
import { header, headerBytes, joinLines, queryValue, signatureMismatch, textBytes, trimHeaderValue } from './request-parts';
import { safeEqual } from './safe-equal';
import type { AuthContext, AuthRequest, Principal } from './types';

const ALGORITHM = 'OSS4-HMAC-SHA256';
const TERMINATOR = 'aliyun_v4_request';
const MAX_PRESIGN_SECONDS = 604_800;

interface Scope {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
}

/** `Credential={AK}/{yyyymmdd}/{region}/oss/aliyun_v4_request` */
function parseCredential(value: string): Scope {
  const parts = value.split('/');
  const [accessKeyId, date, region, product, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !/^\d{8}$/.test(date) || !region || product !== 'oss' || terminator !== TERMINATOR) {
    throw new OssError('InvalidArgument', 'Invalid credential in the V4 signature.');
  }
  return { accessKeyId, date, region };
}

function parseAdditionalHeaders(value: string | undefined): string[] {
  return value ? value.split(';').map((name) => name.trim().toLowerCase()).filter(Boolean) : [];
}

/**
 * Canonical query strings for V4. The rule (and Go SDK vectors) is: decode, RFC 3986-encode, sort by
 * encoded name, `name` alone when the value is empty. ali-oss 6.23 deviates in two ways, so its
 * variants are accepted too: it sorts raw names with `localeCompare`, and it signs an empty *query*
 * value (e.g. `marker: ''`) as `name=`. The parameter set and values are the same in every variant,
 * so accepting them does not widen what a signature authorises.
 */
function canonicalQueries(pairs: Array<[string, string]>): string[] {
  const encoded = pairs.map(([name, value]) => ({ raw: name, name: percentEncode(name), value: percentEncode(value) }));
  const byEncodedName = [...encoded].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byLocale = [...encoded].sort((a, b) => a.raw.localeCompare(b.raw));
  const variants = new Set<string>();
  for (const order of [byEncodedName, byLocale]) {
    variants.add(order.map(({ name, value }) => (value === '' ? name : `${name}=${value}`)).join('&'));
    variants.add(order.map(({ name, value }) => `${name}=${value}`).join('&'));
  }
  return [...variants];
}

function canonicalUri(req: AuthRequest): string {
  const path = req.bucket ? `/${req.bucket}/${req.key ?? ''}` : `/${req.key ?? ''}`;
  return percentEncode(path, true);
}

/**
 * content-type, content-md5, every x-oss-* header and the AdditionalHeaders, `name:value\n` sorted,
 * values as the bytes that arrived.
 */
function canonicalHeaders(req: AuthRequest, additional: string[]): Buffer {
  const names = new Set(additional);
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-'))) names.add(name);
  }
  return Buffer.concat(
    [...names].sort().map((name) => headerBytes(`${name}:${trimHeaderValue(req.headers[name] ?? '')}\n`)),
  );
}

/** The canonical request variants (see canonicalQueries), as the bytes that are hashed. */
export function v4CanonicalRequests(req: AuthRequest, queryPairs: Array<[string, string]>, additional: string[]): Buffer[] {
  const hashedPayload = headerBytes(header(req, 'x-oss-content-sha256') ?? 'UNSIGNED-PAYLOAD');
  const uri = textBytes(canonicalUri(req));
  const headers = canonicalHeaders(req, additional);
  return canonicalQueries(queryPairs).map((query) =>
    joinLines([textBytes(req.method), uri, textBytes(query), headers, textBytes(additional.join(';')), hashedPayload]),
  );
}

export function v4StringToSign(isoDateTime: string, scope: Scope, canonicalRequest: Buffer): string {
  const hash = createHash('sha256').update(canonicalRequest).digest('hex');
  return [ALGORITHM, isoDateTime, `${scope.date}/${scope.region}/oss/${TERMINATOR}`, hash].join('\n');
}

export function v4Signature(secret: string, scope: Scope, stringToSign: string): string {
  const dateKey = createHmac('sha256', `aliyun_v4${secret}`).update(scope.date).digest();
  const regionKey = createHmac('sha256', dateKey).update(scope.region).digest();
  const serviceKey = createHmac('sha256', regionKey).update('oss').digest();
  const signingKey = createHmac('sha256', serviceKey).update(TERMINATOR).digest();
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** What a V4 request (header or presigned) claims about its own signature. */
interface V4Claim {
  scope: Scope;
  /** yyyymmddTHHMMSSZ */
  isoDateTime: string;
  /** The signed query parameters (all but `x-oss-signature`). */
  queryPairs: Array<[string, string]>;
  additionalHeaders: string[];
  signature: string;
  securityToken: string | undefined;
}

function verifySignature(req: AuthRequest, ctx: AuthContext, claim: V4Claim): Principal {
  const { scope, isoDateTime } = claim;
  if (!isoDateTime.startsWith(scope.date)) {
    throw new OssError('InvalidArgument', 'The date in the credential scope does not match x-oss-date.');
  }
  // The scope names the region ID (`cn-hangzhou`), never the endpoint form (`oss-cn-hangzhou`).
  if (scope.region !== ctx.region.replace(/^oss-/, '')) {
    throw new OssError('InvalidArgument', 'The signing region in credential is invalid.', {
      ArgumentName: 'x-oss-credential',
      ArgumentValue: `${scope.accessKeyId}/${scope.date}/${scope.region}/oss/${TERMINATOR}`,
    });
  }
  const { principal, secret } = resolveCredentials(scope.accessKeyId, claim.securityToken, ctx);
  const requests = v4CanonicalRequests(req, claim.queryPairs, claim.additionalHeaders);
  const stringsToSign = requests.map((request) => v4StringToSign(isoDateTime, scope, request));
  if (stringsToSign.some((candidate) => safeEqual(claim.signature, v4Signature(secret, scope, candidate)))) return principal;
  throw signatureMismatch(textBytes(stringsToSign[0] ?? ''), scope.accessKeyId, claim.signature, { CanonicalRequest: requests[0] ?? Buffer.alloc(0) });
}

/** `Authorization: OSS4-HMAC-SHA256 Credential=…[,AdditionalHeaders=…],Signature=…` */
export function verifyV4Header(req: AuthRequest, authorization: string, ctx: AuthContext): Principal {
  const fields = new Map<string, string>();
  for (const field of authorization.trim().slice(ALGORITHM.length).split(',')) {
    const eq = field.indexOf('=');
    if (eq > 0) fields.set(field.slice(0, eq).trim(), field.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!credential || !signature) {
    throw new OssError('InvalidArgument', 'AccessKeyId or Signature is missing in Authorization header value.');
  }
  const scope = parseCredential(credential);
  const isoDateTime = header(req, 'x-oss-date');
  assertWithinSkew(isoDateTime, parseIsoBasic, ctx);
  return verifySignature(req, ctx, {
    scope,
    isoDateTime: isoDateTime ?? '',
    queryPairs: req.query,
    additionalHeaders: parseAdditionalHeaders(fields.get('AdditionalHeaders')),
    signature,
    securityToken: header(req, 'x-oss-security-token'),
  });
}

/** `?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=…&x-oss-date=…&x-oss-expires=…&x-oss-signature=…` */
export function verifyV4Query(req: AuthRequest, ctx: AuthContext): Principal {
  const version = queryValue(req, 'x-oss-signature-version');
  const credential = queryValue(req, 'x-oss-credential');
  const isoDateTime = queryValue(req, 'x-oss-date');
  const expires = queryValue(req, 'x-oss-expires');
  const signature = queryValue(req, 'x-oss-signature');
  if (version !== ALGORITHM || !credential || !isoDateTime || !expires || !signature) {
    throw new OssError(
      'AccessDenied',
      'Query string authentication requires the x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature parameters',
    );
  }
  const scope = parseCredential(credential);
  const signedAt = parseIsoBasic(isoDateTime);
  if (signedAt === null) throw new OssError('AccessDenied', `The request date is not valid: ${isoDateTime}`);
  const seconds = /^\d{1,6}$/.test(expires) ? Number(expires) : 0;
  if (seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new OssError('InvalidArgument', `x-oss-expires must be between 1 and ${MAX_PRESIGN_SECONDS} seconds.`);
  }
  assertNotExpired(signedAt + seconds * 1000, ctx);
  // A URL signed in the future (beyond the skew) is refused like a skewed header request.
  if (signedAt > ctx.now()) assertWithinSkew(isoDateTime, parseIsoBasic, ctx);

  return verifySignature(req, ctx, {
    scope,
    isoDateTime,
    queryPairs: req.query.filter(([name]) => name !== 'x-oss-signature'),
    additionalHeaders: parseAdditionalHeaders(queryValue(req, 'x-oss-additional-headers')),
    signature,
    securityToken: queryValue(req, 'x-oss-security-token'),
  });
}
