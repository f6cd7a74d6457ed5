import type { UploadCallbackAnswer, UploadRecord } from '../../shared/token-response';
import { isAbortError } from '../errors/engine-error';
import type { Credentials, UploadRecordsSource } from '../contracts';


export function createUploadRecordsSource(fetchImpl: typeof fetch = (...args) => fetch(...args)): UploadRecordsSource {
  return {
    async confirm({ credentials, key, name, signal }) {
      const base = credentials.uploadsUrl;
      if (!base) return undefined;
      try {
        const url = new URL(`${base.replace(/\/+$/, '')}/confirm`, globalThis.location?.href);
        const response = await fetchImpl(url, {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ key, name }),
          ...(signal ? { signal } : {}),
        });
        if (!response.ok) return undefined;
        return recordOf(await response.json());
      } catch (err) {
        if (isAbortError(err)) throw err;
        return undefined;
      }
    },
  };
}

/** The record in a callback answer (`{ upload: … }`), or undefined when it is not one. */
export function recordOf(answer: unknown): UploadRecord | undefined {
  const upload = (answer as Partial<UploadCallbackAnswer> | null | undefined)?.upload as Partial<UploadRecord> | undefined;
  if (!upload || typeof upload !== 'object') return undefined;
  return typeof upload.id === 'string' && typeof upload.key === 'string' && typeof upload.name === 'string' ? (upload as UploadRecord) : undefined;
}
