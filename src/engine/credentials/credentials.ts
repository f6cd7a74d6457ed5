import type { Clock, Credentials, CredentialsSource, GetCredentials } from '../contracts';
import type { TokenErrorResponse } from '../../shared/token-response';
import { EngineError, isAbortError } from '../errors/engine-error';
import { raceAbort } from '../support/abort';

export interface CredentialsSourceOptions {
  /** Fetch new credentials this long before `expiration` (default 5 min). */
  refreshMarginMs?: number;
}

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/**
 * New credentials are handed out for at least this long, even when `expiration` says otherwise: with
 * the page's clock far ahead of the server's, every token looks expired on arrival, and the token
 * endpoint would be called for every part. Truly expired ones are dropped by `invalidate` on a 403.
 */
const MIN_HOLD_MS = 60_000;

interface Held {
  credentials: Credentials;
  /** Time after which `get()` fetches new credentials instead of handing these out. */
  refreshAt: number;
}

/**
 * Shares one set of STS credentials among all parts of all uploads. Refreshes ahead of expiry and
 * keeps at most one refresh in flight, so a burst of parts (or of parts failing with an expired
 * token) causes a single call to the token endpoint.
 */
export function createCredentialsSource(
  getCredentials: GetCredentials,
  clock: Clock,
  opts: CredentialsSourceOptions = {},
): CredentialsSource {
  const margin = opts.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  let held: Held | undefined;
  let refreshing: Promise<Held> | undefined;

  function refreshAtFor(credentials: Credentials, fetchedAt: number): number {
    const expiresAt = Date.parse(credentials.expiration);
    // Without a readable expiry, keep them until a request reports them stale.
    if (Number.isNaN(expiresAt)) return Number.POSITIVE_INFINITY;
    // A token shorter-lived than twice the margin is still used for half its life, not refetched at once.
    return Math.max(expiresAt - Math.min(margin, (expiresAt - fetchedAt) / 2), fetchedAt + MIN_HOLD_MS);
  }

  function refresh(): Promise<Held> {
    refreshing ??= (async () => {
      try {
        // Shared by every caller, so no single caller's signal may cancel it.
        const credentials = await getCredentials({});
        const next = { credentials, refreshAt: refreshAtFor(credentials, clock.now()) };
        held = next;
        return next;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  function stillValid(h: Held): boolean {
    const expiresAt = Date.parse(h.credentials.expiration);
    return Number.isNaN(expiresAt) || clock.now() < expiresAt;
  }

  return {
    async get(signal?: AbortSignal): Promise<Credentials> {
      const current = held;
      if (current && clock.now() < current.refreshAt) return current.credentials;
      try {
        return (await raceAbort(refresh(), signal)).credentials;
      } catch (err) {
        // A refresh ahead of expiry that fails must not fail uploads while the old token still works.
        if (!isAbortError(err) && current && held === current && stillValid(current)) return current.credentials;
        throw err;
      }
    },
    invalidate(stale: Credentials): void {
      // Only the first of many parts failing with the same token drops it; the rest find new ones.
      if (held?.credentials === stale) held = undefined;
    },
  };
}

/**
 * `GetCredentials` backed by the token endpoint (`GET url`, JSON `TokenResponse`). Cookies are sent
 * (`credentials: 'include'`) so an uploader embedded on another origin is still authenticated.
 */
export function fetchTokenEndpoint(url = '/api/sts', init: RequestInit = {}): GetCredentials {
  return async ({ signal }) => {
    let response: Response;
    try {
      response = await fetch(url, { credentials: 'include', ...init, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (isAbortError(err)) throw err;
      throw new EngineError(`Token endpoint unreachable: ${String((err as Error | undefined)?.message ?? err)}`, { status: 0 }, { cause: err });
    }
    if (!response.ok) throw await errorFromTokenAnswer(response);
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      throw new EngineError('Token endpoint answered with invalid JSON', { status: response.status, ossCode: 'InvalidTokenResponse' }, { cause: err });
    }
    if (!isTokenResponse(body)) {
      throw new EngineError('Token endpoint answered without usable credentials', { status: response.status, ossCode: 'InvalidTokenResponse' });
    }
    return withAbsoluteObjectInfoUrl(body, response.url || url);
  };
}

/**
 * The object-info route is named relative to the token URL, which is known only here: made absolute
 * (or dropped when it cannot be), so it is used as the endpoint meant it wherever the page is.
 */
function withAbsoluteObjectInfoUrl(body: Credentials, tokenUrl: string): Credentials {
  const { objectInfoUrl, uploadsUrl, ...rest } = body;
  const absolute = (relative: unknown): string | undefined => {
    if (typeof relative !== 'string') return undefined;
    try {
      return new URL(relative, new URL(tokenUrl, globalThis.location?.href)).href;
    } catch {
      return undefined;
    }
  };
  // The upload records route (`uploadsUrl`) is named the same way.
  const info = absolute(objectInfoUrl);
  const uploads = absolute(uploadsUrl);
  return { ...rest, ...(info ? { objectInfoUrl: info } : {}), ...(uploads ? { uploadsUrl: uploads } : {}) };
}

/** The EngineError for a token endpoint's non-2xx answer: its status, error code and Retry-After. */
async function errorFromTokenAnswer(response: Response): Promise<EngineError> {
  let code: string | undefined;
  let message = `Token endpoint answered ${response.status}`;
  try {
    const body = (await response.json()) as Partial<TokenErrorResponse> | null;
    if (typeof body?.error?.code === 'string') code = body.error.code;
    if (typeof body?.error?.message === 'string') message = `${message}: ${body.error.message}`;
  } catch {
    // Not our JSON (a proxy's HTML error page); the status says enough.
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'), Date.now());
  return new EngineError(message, {
    status: response.status,
    ...(code !== undefined ? { ossCode: code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const REQUIRED_STRING_FIELDS = ['accessKeyId', 'accessKeySecret', 'securityToken', 'expiration', 'region', 'bucket', 'endpoint', 'prefix'] as const;

function isTokenResponse(value: unknown): value is Credentials {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return REQUIRED_STRING_FIELDS.every((field) => typeof record[field] === 'string') && typeof record.secure === 'boolean';
}
