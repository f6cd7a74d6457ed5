import { OssError } from '../errors';
import { DEFAULT_MAX_SKEW_MS, type AuthContext } from './types';

/** RFC 1123 (`Tue, 14 Nov 2023 22:13:20 GMT`), as V1 `x-oss-date` / `Date` carry it. */
export function parseHttpDate(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** ISO 8601 basic (`20231114T221320Z`), as V4 `x-oss-date` carries it. */
export function parseIsoBasic(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC silently rolls 20231340 over into another month; a real date must survive the round trip.
  const back = new Date(ms);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? ms : null;
}

/**
 * Rejects a request whose signed time is too far from the server clock. ali-oss reads `<ServerTime>`
 * from this error, corrects its clock offset and re-sends at once, so ServerTime must be parseable.
 */
export function assertWithinSkew(rawValue: string | undefined, parse: (value: string) => number | null, ctx: AuthContext): void {
  if (rawValue === undefined || rawValue === '') {
    throw new OssError('AccessDenied', 'The request must carry a Date or x-oss-date header.');
  }
  const requestMs = parse(rawValue);
  if (requestMs === null) {
    throw new OssError('AccessDenied', `The request date is not valid: ${rawValue}`);
  }
  const now = ctx.now();
  const maxSkewMs = ctx.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(now - requestMs) > maxSkewMs) {
    throw new OssError('RequestTimeTooSkewed', undefined, {
      RequestTime: rawValue,
      ServerTime: new Date(now).toISOString(),
      MaxAllowedSkewMilliseconds: String(maxSkewMs),
    });
  }
}

/** Presigned URLs carry their own deadline; OSS checks it before anything else. */
export function assertNotExpired(expiresAtMs: number, ctx: AuthContext): void {
  const now = ctx.now();
  if (now > expiresAtMs) {
    throw new OssError('AccessDenied', 'Request has expired.', {
      Expires: new Date(expiresAtMs).toISOString(),
      ServerTime: new Date(now).toISOString(),
    });
  }
}
