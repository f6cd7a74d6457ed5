import { createHmac, randomBytes } from 'node:crypto';
import type { Policy } from '../policy/types';
import { safeEqual } from '../auth/safe-equal';

/**
 * Stateless STS credentials. Nothing is stored per session: everything the OSS side needs travels in
 * the security token, and the secret is re-derived from the AccessKeyId.
 *
 * - AccessKeyId:     `STS.` + 24 random alphanumerics.
 * - AccessKeySecret: base64url(HMAC-SHA256(K_secret, AccessKeyId)), 43 chars.
 * - SecurityToken:   `v1.` + base64url(JSON claims) + `.` + base64url(HMAC-SHA256(K_token, "v1." + claims)).
 *
 * K_secret and K_token are HMAC-SHA256(tokenSecret, label) with distinct labels, so a token MAC can
 * never double as an access key secret. The claims are readable by anyone holding the token (as with
 * a JWT); they contain no secret.
 */
export interface SecurityTokenClaims {
  accessKeyId: string;
  roleArn: string;
  roleSessionName: string;
  /** Session policy given to AssumeRole, already validated. */
  policy?: Policy;
  /** ms since epoch */
  issuedAt: number;
  /** ms since epoch */
  expiresAt: number;
}

export interface IssuedStsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export const STS_ACCESS_KEY_PREFIX = 'STS.';
const TOKEN_VERSION = 'v1';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function issueStsCredentials(claims: Omit<SecurityTokenClaims, 'accessKeyId'>, tokenSecret: Uint8Array | string): IssuedStsCredentials {
  const accessKeyId = STS_ACCESS_KEY_PREFIX + randomAlphanumeric(24);
  const payload = Buffer.from(JSON.stringify({ ...claims, accessKeyId } satisfies SecurityTokenClaims)).toString('base64url');
  const signed = `${TOKEN_VERSION}.${payload}`;
  return {
    accessKeyId,
    accessKeySecret: deriveStsSecret(accessKeyId, tokenSecret),
    securityToken: `${signed}.${mac(tokenSecret, 'security-token', signed)}`,
  };
}

export function deriveStsSecret(accessKeyId: string, tokenSecret: Uint8Array | string): string {
  return mac(tokenSecret, 'sts-access-key-secret', accessKeyId);
}

/** The token's claims if its MAC verifies and its shape is right; null for anything forged or garbled. Expiry is the caller's call. */
export function readSecurityToken(token: string, tokenSecret: Uint8Array | string): SecurityTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_VERSION) return null;
  const signed = `${parts[0]}.${parts[1]}`;
  if (!safeEqual(parts[2] ?? '', mac(tokenSecret, 'security-token', signed))) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    return isClaims(claims) ? claims : null;
  } catch {
    return null;
  }
}

function isClaims(value: unknown): value is SecurityTokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.accessKeyId === 'string' &&
    typeof c.roleArn === 'string' &&
    typeof c.roleSessionName === 'string' &&
    typeof c.issuedAt === 'number' &&
    typeof c.expiresAt === 'number' &&
    (c.policy === undefined || (typeof c.policy === 'object' && c.policy !== null))
  );
}

function mac(tokenSecret: Uint8Array | string, label: string, data: string): string {
  const key = createHmac('sha256', tokenSecret).update(label).digest();
  return createHmac('sha256', key).update(data).digest('base64url');
}

function randomAlphanumeric(length: number): string {
  // 62 does not divide 256; rejecting bytes ≥ 248 keeps every character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}
