import type { Policy } from '../policy/types';

/** What the HTTP layer resolved from one OSS request; all this module needs to authenticate it. */
export interface AuthRequest {
  /** Upper-case. */
  method: string;
  /** Resolved by the server from Host or path. */
  bucket: string | null;
  /** Decoded object key; null for bucket-level and service-level requests. */
  key: string | null;
  /** Decoded query pairs in order; value '' when absent (`?uploads`). */
  query: Array<[string, string]>;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
}

/** Who signed a request. */
export interface Principal {
  accessKeyId: string;
  kind: 'root' | 'sts';
  roleArn?: string;
  /** Session policy carried by the security token. */
  sessionPolicy?: Policy;
  /** ms since epoch */
  expiresAt?: number;
}

export interface AuthContext {
  rootAccessKeyId: string;
  rootAccessKeySecret: string;
  /** Server secret that signs security tokens and derives STS secrets. */
  tokenSecret: Uint8Array | string;
  /** roleArn -> the role's permission policy. */
  roles: Map<string, { policy: Policy }>;
  /**
   * The buckets' region, e.g. `oss-cn-hangzhou`: a V4 credential must be scoped to it (as
   * `cn-hangzhou`), or OSS refuses the request whatever the signature.
   */
  region: string;
  /** Injectable clock, ms since epoch. */
  now: () => number;
  /** Allowed difference between request time and server time; default 15 min. */
  maxSkewMs?: number;
}

export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
