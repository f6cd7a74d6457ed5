import type { Context } from 'hono';
import { getSignedCookie, setSignedCookie } from 'hono/cookie';
import { isHttpsRequest } from './request-info';
import { newAnonymousSubject, isValidSubject } from './subject';

export interface UploaderIdentity {
  /** Stable id of the uploader; becomes a path segment of its key prefix (see `isValidSubject`). */
  subject: string;
}

/** Decides who is asking for credentials; `null` answers 401. */
export type Authorize = (c: Context) => Promise<UploaderIdentity | null>;

export interface CookieAuthorizerOptions {
  /** HMAC key for the cookie signature. */
  secret: string;
  /** Cross-origin embedding is enabled: over https the cookie must be `SameSite=None; Secure`. */
  crossSite: boolean;
  trustProxy: boolean;
  cookieName?: string;
  maxAgeSeconds?: number;
}

export const DEFAULT_COOKIE_NAME = 'uploader_id';
const HALF_A_YEAR_SECONDS = 182 * 24 * 3600;

/**
 * The demo's identity: every browser is an anonymous uploader whose random subject lives in a
 * signed, HttpOnly cookie. The same browser keeps its prefix (and so can resume) across reloads;
 * a missing or tampered cookie gets a new subject.
 */
export function createCookieAuthorizer({
  secret,
  crossSite,
  trustProxy,
  cookieName = DEFAULT_COOKIE_NAME,
  maxAgeSeconds = HALF_A_YEAR_SECONDS,
}: CookieAuthorizerOptions): Authorize {
  return async function cookieAuthorizer(c) {
    const existing = await getSignedCookie(c, secret, cookieName);
    if (typeof existing === 'string' && isValidSubject(existing)) return { subject: existing };

    const subject = newAnonymousSubject();
    const https = isHttpsRequest(c, trustProxy);
    // Browsers only send SameSite=None cookies when they are also Secure, hence https only.
    // Partitioned (CHIPS) keeps the cookie usable where third-party cookies are blocked: one
    // subject per embedding site instead of none.
    const crossSiteCookie = crossSite && https;
    await setSignedCookie(c, cookieName, subject, secret, {
      path: '/',
      httpOnly: true,
      secure: https,
      sameSite: crossSiteCookie ? 'None' : 'Lax',
      partitioned: crossSiteCookie,
      maxAge: maxAgeSeconds,
    });
    return { subject };
  };
}
