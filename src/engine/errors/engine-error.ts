import type { EngineErrorFields } from '../contracts';

/**
 * The one error type the engine's edges throw. It carries what the core needs to decide
 * (retry, refresh credentials, start over, fail) and what a person needs to debug it
 * (status, OSS code, request id, part number).
 */
export class EngineError extends Error implements EngineErrorFields {
  readonly status: number;
  readonly ossCode?: string;
  readonly requestId?: string;
  readonly partNumber?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, fields: EngineErrorFields, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.status = fields.status;
    if (fields.ossCode !== undefined) this.ossCode = fields.ossCode;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
    if (fields.partNumber !== undefined) this.partNumber = fields.partNumber;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
  }
}

/** OSS codes meaning the STS credentials must be refreshed before trying again. */
export const CREDENTIAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'SecurityTokenExpired',
  'InvalidSecurityToken',
  'InvalidAccessKeyId',
  'AccessKeyIdAndSecurityTokenNotMatch',
]);

export function isAbortError(err: unknown): boolean {
  return err instanceof DOMException ? err.name === 'AbortError' : (err as { name?: string } | null)?.name === 'AbortError';
}
