import type { StsCredentials } from './assume-role';

export interface CredentialCacheOptions {
  /** Fetches fresh credentials for one subject (one AssumeRole call). */
  load: (subject: string) => Promise<StsCredentials>;
  /** Credentials with less than this left are not handed out again. */
  refreshMarginMs: number;
  now: () => number;
  /** Above this many cached subjects, expired entries are swept out. */
  sweepAbove?: number;
}

export interface CredentialCache {
  /** Cached credentials while they have more than the margin left; otherwise one shared load. */
  get(subject: string): Promise<StsCredentials>;
}

/**
 * Per-subject credential reuse with single flight: concurrent requests for the same subject wait
 * on one AssumeRole call. Failures are not cached; the next request tries again.
 */
export function createCredentialCache({ load, refreshMarginMs, now, sweepAbove = 10_000 }: CredentialCacheOptions): CredentialCache {
  const fresh = new Map<string, StsCredentials>();
  const inFlight = new Map<string, Promise<StsCredentials>>();

  const isUsable = (credentials: StsCredentials): boolean =>
    credentials.expiration.getTime() - now() > refreshMarginMs;

  function sweep(): void {
    for (const [subject, credentials] of fresh) {
      if (!isUsable(credentials)) fresh.delete(subject);
    }
  }

  async function loadShared(subject: string): Promise<StsCredentials> {
    try {
      const credentials = await load(subject);
      if (fresh.size >= sweepAbove) sweep();
      fresh.set(subject, credentials);
      return credentials;
    } finally {
      inFlight.delete(subject);
    }
  }

  return {
    get(subject) {
      const cached = fresh.get(subject);
      if (cached && isUsable(cached)) return Promise.resolve(cached);
      let pending = inFlight.get(subject);
      if (!pending) {
        pending = loadShared(subject);
        inFlight.set(subject, pending);
      }
      return pending;
    },
  };
}
