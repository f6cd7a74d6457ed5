import type { ErrorStatus } from './oss-error';

/** Which requests faults apply to; an absent field matches anything. */
export interface FaultMatch {
  /** e.g. `PUT`; compared case-insensitively. */
  method?: string;
  /** A query parameter the request must carry, e.g. `partNumber`. */
  query?: string;
}

export interface FaultConfig {
  /** Share (0..1) of matching requests whose client connection is cut after a random part of the body was forwarded. */
  dropMidBodyRate: number;
  /** Share (0..1) of matching requests answered with an OSS error XML instead of being forwarded. */
  errorRate: number;
  errorStatus: ErrorStatus;
  /** Delay before a matching request is handled. */
  latencyMs: number;
  /** Share (0..1) of matching requests whose body is read but never answered. */
  stallRate: number;
  /** How long a stalled request stays silent before its connection is closed; null = until the client gives up. */
  stallMs: number | null;
  match: FaultMatch;
  /** Every connection, open or new, is closed at once (a dead server) until set back to false. */
  down: boolean;
}

/** Part uploads: what the uploader retries, so what reliability tests hurt by default. */
const PART_UPLOADS: FaultMatch = { method: 'PUT', query: 'partNumber' };

/** The starting configuration; `setFaults(NO_FAULTS)` turns everything off again. */
export const NO_FAULTS: Readonly<FaultConfig> = {
  dropMidBodyRate: 0,
  errorRate: 0,
  errorStatus: 503,
  latencyMs: 0,
  stallRate: 0,
  stallMs: null,
  match: PART_UPLOADS,
  down: false,
};

/** `current` with `patch` applied; throws on a value that would make the faults meaningless. */
export function mergeFaults(current: Readonly<FaultConfig>, patch: Partial<FaultConfig>): FaultConfig {
  const next: FaultConfig = { ...current, ...patch };
  for (const name of ['dropMidBodyRate', 'errorRate', 'stallRate'] as const) {
    if (!(next[name] >= 0 && next[name] <= 1)) throw new RangeError(`${name} must be within 0..1, got ${next[name]}`);
  }
  if (!isDuration(next.latencyMs)) throw new RangeError(`latencyMs must be a finite number >= 0, got ${next.latencyMs}`);
  if (next.stallMs !== null && !isDuration(next.stallMs)) {
    throw new RangeError(`stallMs must be null or a finite number >= 0, got ${next.stallMs}`);
  }
  return next;
}

/** Preflights are never faulted: the browser would report a CORS failure, not the fault under test. */
export function matches(match: FaultMatch, method: string, url: string): boolean {
  if (method === 'OPTIONS') return false;
  if (match.method !== undefined && method !== match.method.toUpperCase()) return false;
  return match.query === undefined || new URL(url, 'http://proxy').searchParams.has(match.query);
}

function isDuration(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0;
}
