import { OssError } from './errors';
import type { OssRequest } from './request';

/** ali-oss cannot run multipart without reading `ETag`; the others help clients and debugging. */
const EXPOSE_HEADERS = ['ETag', 'x-oss-request-id', 'x-oss-hash-crc64ecma', 'x-oss-err', 'x-oss-object-type', 'Content-MD5'].join(', ');
const ALLOWED_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const MAX_AGE_SECONDS = '600';

/**
 * One bucket CORS rule as this server applies it to every bucket: the given origins (`*` = any),
 * methods GET PUT POST DELETE HEAD, any request header.
 */
export class CorsRule {
  readonly #allowAny: boolean;
  readonly #origins: ReadonlySet<string>;

  constructor(allowedOrigins: readonly string[]) {
    this.#allowAny = allowedOrigins.includes('*');
    this.#origins = new Set(allowedOrigins);
  }

  /** Headers for an actual (non-preflight) response, errors included; none when the origin is not allowed. */
  responseHeaders(origin: string | undefined): Record<string, string> {
    if (origin === undefined || !this.#allows(origin)) return {};
    return {
      'Access-Control-Allow-Origin': this.#allowAny ? '*' : origin,
      'Access-Control-Allow-Methods': ALLOWED_METHODS.join(', '),
      'Access-Control-Expose-Headers': EXPOSE_HEADERS,
      ...(this.#allowAny ? {} : { Vary: 'Origin' }),
    };
  }

  /** Answers `OPTIONS` (never authenticated); throws BadRequest / AccessForbidden as OSS does. */
  preflightHeaders(request: OssRequest): Record<string, string> {
    const origin = request.headers.origin;
    const method = request.headers['access-control-request-method'];
    if (origin === undefined) throw new OssError('BadRequest', 'Insufficient information. Origin request header needed.');
    if (method === undefined) {
      throw new OssError('BadRequest', 'Insufficient information. Request Access-Control-Request-Method header needed.');
    }
    if (!this.#allows(origin) || !ALLOWED_METHODS.includes(method.toUpperCase())) throw new OssError('AccessForbidden');
    const requestedHeaders = request.headers['access-control-request-headers'];
    return {
      ...this.responseHeaders(origin),
      ...(requestedHeaders ? { 'Access-Control-Allow-Headers': requestedHeaders } : {}),
      'Access-Control-Max-Age': MAX_AGE_SECONDS,
    };
  }

  #allows(origin: string): boolean {
    return this.#allowAny || this.#origins.has(origin);
  }
}
