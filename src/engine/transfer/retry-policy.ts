import { CREDENTIAL_ERROR_CODES, EngineError } from '../errors/engine-error';
import { UploadError } from '../errors/upload-errors';

/** Waits between attempts of one part; six retries span about half a minute. */
export const DEFAULT_RETRY_DELAYS: readonly number[] = [500, 1000, 2000, 4000, 8000, 16000];
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/**
 * - `transient`: worth another attempt after a pause (network, stall, 5xx, 429, 408).
 * - `credentials`: the STS token was refused; refresh once and try again at once.
 * - `integrity`: the bytes arrived different from what was sent; send once more.
 * - `fatal`: retrying cannot help (other 4xx, unreadable file, …).
 */
export type FailureKind = 'transient' | 'credentials' | 'integrity' | 'fatal';

export function classifyFailure(err: unknown): FailureKind {
  if (err instanceof EngineError) {
    if (err.ossCode !== undefined && CREDENTIAL_ERROR_CODES.has(err.ossCode)) return 'credentials';
    return isTransientStatus(err.status) ? 'transient' : 'fatal';
  }
  if (err instanceof UploadError) {
    if (err.code === 'INTEGRITY' && err.info.partNumber !== undefined) return 'integrity';
    if (err.code === 'TOKEN_ENDPOINT') return err.info.status === undefined || isTransientStatus(err.info.status) ? 'transient' : 'fatal';
  }
  return 'fatal';
}

/** 0 = network error, -1 = stall/timeout. */
export function isTransientStatus(status: number): boolean {
  return status === 0 || status === -1 || status === 408 || status === 429 || status >= 500;
}

/**
 * Delay before retry number `attempt` (0-based), or null when the schedule is used up.
 * "Equal jitter": half the scheduled delay is fixed, half random, so parts that failed together
 * do not all come back at the same instant.
 */
export function retryDelay(attempt: number, delays: readonly number[], random: () => number = Math.random): number | null {
  const base = delays[attempt];
  if (base === undefined) return null;
  return Math.round(base / 2 + (base / 2) * random());
}
