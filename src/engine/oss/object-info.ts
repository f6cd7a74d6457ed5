import type { ObjectInfoResponse } from '../../shared/token-response';
import type { ObjectInfoSource } from '../contracts';
import { isAbortError } from '../errors/engine-error';

/**
 * Asks the token endpoint's object-info route (`Credentials.objectInfoUrl`) what a key holds. The
 * answer only ever turns a failure into a success after checks, so every problem (no route offered,
 * network, a refusal, an odd body) is "cannot tell", never an error of its own.
 */
export function createObjectInfoSource(fetchImpl: typeof fetch = (...args) => fetch(...args)): ObjectInfoSource {
  return {
    async get({ credentials, key, signal }) {
      const base = credentials.objectInfoUrl;
      if (!base) return undefined;
      try {
        const url = new URL(base, globalThis.location?.href);
        url.searchParams.set('key', key);
        const response = await fetchImpl(url, { credentials: 'include', ...(signal ? { signal } : {}) });
        if (!response.ok) return undefined;
        const body: unknown = await response.json();
        return isObjectInfo(body) ? body : undefined;
      } catch (err) {
        if (isAbortError(err)) throw err;
        return undefined;
      }
    },
  };
}

function isObjectInfo(value: unknown): value is ObjectInfoResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.exists === false) return true;
  return (
    v.exists === true &&
    typeof v.size === 'number' &&
    Number.isSafeInteger(v.size) &&
    (v.crc64 === null || typeof v.crc64 === 'string') &&
    (v.etag === null || typeof v.etag === 'string')
  );
}
