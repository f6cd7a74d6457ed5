import type { Clock, Connectivity, Credentials, CredentialsSource } from '../contracts';
import { EngineError } from '../errors/engine-error';
import { classifyFailure, retryDelay } from './retry-policy';
import { credentialsUnavailable } from '../errors/upload-errors';

export interface RetryContext {
  credentials: CredentialsSource;
  connectivity: Connectivity;
  clock: Clock;
  delays: readonly number[];
  random: () => number;
  signal: AbortSignal;
  /** Called after each failed attempt, before waiting (e.g. to reset the part's progress slot). */
  onFailure?: (err: unknown) => void;
}

/**
 * Runs one request with fresh credentials until it succeeds or retrying cannot help:
 * transient failures wait along the backoff schedule (while offline, for the connection,
 * without using up an attempt); a refused token is refreshed once; an integrity mismatch is
 * re-sent once. Aborts pass straight through.
 */
export async function withRetries<T>(attempt: (credentials: Credentials) => Promise<T>, ctx: RetryContext): Promise<T> {
  let retries = 0;
  let refreshed = false;
  let resent = false;
  for (;;) {
    ctx.signal.throwIfAborted();
    let used: Credentials | undefined;
    try {
      used = await ctx.credentials.get(ctx.signal).catch((err: unknown) => {
        throw ctx.signal.aborted ? err : credentialsUnavailable(err);
      });
      return await attempt(used);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.onFailure?.(err);
      const kind = classifyFailure(err);
      if (kind === 'credentials' && !refreshed && used) {
        refreshed = true;
        ctx.credentials.invalidate(used);
        continue;
      }
      if (kind === 'integrity' && !resent) {
        resent = true;
        continue;
      }
      if (kind !== 'transient') throw err;
      if (!ctx.connectivity.isOnline()) {
        await ctx.connectivity.waitForOnline(ctx.signal);
        continue;
      }
      const delay = retryDelay(retries++, ctx.delays, ctx.random);
      if (delay === null) throw err;
      await ctx.clock.sleep(Math.max(delay, retryAfter(err)), ctx.signal);
    }
  }
}

/** The server's `Retry-After`, also when the edge's error was wrapped (token endpoint failures are). */
function retryAfter(err: unknown): number {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof EngineError && e.retryAfterMs !== undefined) return e.retryAfterMs;
  }
  return 0;
}
