import { describe, it, expect } from 'vitest';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { classifyFailure, DEFAULT_RETRY_DELAYS, retryDelay } from '../../../src/engine/transfer/retry-policy';
import { credentialsUnavailable, UploadError } from '../../../src/engine/errors/upload-errors';

const status = (s: number, ossCode?: string): EngineError => new EngineError('x', { status: s, ...(ossCode ? { ossCode } : {}) });

describe('classifyFailure', () => {
  it.each([0, -1, 408, 429, 500, 503])('retries status %i', (s) => {
    expect(classifyFailure(status(s))).toBe('transient');
  });

  it.each([400, 403, 404, 409])('gives up on status %i', (s) => {
    expect(classifyFailure(status(s))).toBe('fatal');
  });

  it.each(['SecurityTokenExpired', 'InvalidAccessKeyId', 'InvalidSecurityToken', 'AccessKeyIdAndSecurityTokenNotMatch'])(
    'asks for fresh credentials on %s',
    (code) => {
      expect(classifyFailure(status(403, code))).toBe('credentials');
    },
  );

  it('treats AccessDenied (policy) as final, not as a stale token', () => {
    expect(classifyFailure(status(403, 'AccessDenied'))).toBe('fatal');
  });

  it('re-sends a part whose checksum did not match', () => {
    const err = new UploadError({ code: 'INTEGRITY', message: 'x', partNumber: 3, retryable: true });
    expect(classifyFailure(err)).toBe('integrity');
  });

  it('retries an unreachable token endpoint but not one that refuses', () => {
    expect(classifyFailure(credentialsUnavailable(status(0)))).toBe('transient');
    expect(classifyFailure(credentialsUnavailable(status(502)))).toBe('transient');
    expect(classifyFailure(credentialsUnavailable(status(401)))).toBe('fatal');
  });

  it('gives up on anything unknown', () => {
    expect(classifyFailure(new TypeError('boom'))).toBe('fatal');
  });
});

describe('retryDelay', () => {
  it('follows the schedule, with half of each delay random', () => {
    expect(retryDelay(0, [1000, 2000], () => 0)).toBe(500);
    expect(retryDelay(0, [1000, 2000], () => 1)).toBe(1000);
    expect(retryDelay(1, [1000, 2000], () => 0.5)).toBe(1500);
  });

  it('stops when the schedule is used up', () => {
    expect(retryDelay(2, [1000, 2000])).toBeNull();
    expect(retryDelay(DEFAULT_RETRY_DELAYS.length, DEFAULT_RETRY_DELAYS)).toBeNull();
  });

  it('grows exponentially by default', () => {
    const full = DEFAULT_RETRY_DELAYS.map((_, i) => retryDelay(i, DEFAULT_RETRY_DELAYS, () => 1));
    for (let i = 1; i < full.length; i++) expect(full[i]).toBe((full[i - 1] as number) * 2);
  });
});
