import { CREDENTIAL_ERROR_CODES, EngineError } from './engine-error';
import type { UploadErrorCode, UploadErrorInfo } from '../contracts';

/** The error an upload fails (or `finished` rejects) with; `info` is ready to show. */
export class UploadError extends Error {
  readonly info: UploadErrorInfo;

  constructor(info: UploadErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'UploadError';
    this.info = info;
  }

  get code(): UploadErrorCode {
    return this.info.code;
  }
}

/** Raised when credentials cannot be fetched; keeps the status so transient failures are retried. */
export function credentialsUnavailable(cause: unknown): UploadError {
  if (cause instanceof UploadError) return cause;
  const status = (cause as { status?: unknown } | null)?.status;
  // 401/403: the visitor is not signed in or not allowed; retrying cannot help until that changes.
  const refused = status === 401 || status === 403;
  return new UploadError(
    {
      code: 'TOKEN_ENDPOINT',
      message: refused
        ? 'The server refused upload permission. Sign in again or ask the site administrator for access.'
        : 'Could not get upload permission from the server. Try again in a moment.',
      ...(typeof status === 'number' ? { status } : {}),
      retryable: !refused,
    },
    { cause },
  );
}

/**
 * The unfinished upload was started under another identity (see `startedUnderAnotherIdentity`):
 * these credentials can neither continue nor abort it. Raised before anything is sent.
 */
export function identityChanged(): UploadError {
  return new UploadError({
    code: 'IDENTITY_CHANGED',
    message:
      'This unfinished upload was started under another identity (another browser session or sign-in), so it cannot be continued here. Select the file again to upload it as a new file, or discard the unfinished upload.',
    retryable: false,
  });
}

/** Turns anything thrown during an upload into plain words plus the facts needed to debug it. */
export function toUploadErrorInfo(err: unknown, context: { online?: boolean } = {}): UploadErrorInfo {
  if (err instanceof UploadError) return err.info;
  if (err instanceof EngineError) return fromEngineError(err, context.online ?? true);
  const readFailure = fileReadFailure(err);
  if (readFailure === 'NotReadableError') {
    // Chromium's answer once the file on disk changed after it was selected.
    return {
      code: 'FILE_CHANGED',
      message: 'The file changed on disk after it was selected, so it can no longer be read. Select it again to upload the new version.',
      retryable: false,
    };
  }
  if (readFailure === 'TimeoutError') {
    // The hashing worker stopped getting bytes from the file, on a fresh worker too.
    return {
      code: 'FILE_UNREADABLE',
      message: 'Reading the file stalled. Retry; if it stalls again, the disk or the file may be unavailable, so select it again.',
      retryable: true,
    };
  }
  if (readFailure === 'NotFoundError') {
    return {
      code: 'FILE_UNREADABLE',
      message: 'The file can no longer be read. It may have been moved, renamed or deleted; select it again.',
      retryable: false,
    };
  }
  return {
    code: 'UNKNOWN',
    message: `Unexpected error: ${err instanceof Error ? err.message : String(err)}`,
    retryable: true,
  };
}

function fromEngineError(err: EngineError, online: boolean): UploadErrorInfo {
  const facts = {
    status: err.status,
    ...(err.ossCode !== undefined ? { ossCode: err.ossCode } : {}),
    ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
    ...(err.partNumber !== undefined ? { partNumber: err.partNumber } : {}),
  };
  const described = describe(err, online);
  return { ...described, ...facts };
}

/** Setup mistakes of the site, not of the upload: retrying cannot help, the message says what to fix. */
const CONFIGURATION_ERRORS: ReadonlyMap<string, string> = new Map([
  [
    'ETagNotExposed',
    "The storage service accepted the data but the browser may not read its ETag header: the bucket's CORS rule must expose ETag (and x-oss-hash-crc64ecma, x-oss-request-id). Ask the site administrator.",
  ],
  [
    'SignatureUrlFailed',
    'Upload addresses cannot be signed for this storage endpoint (for an IP address endpoint, path-style addressing must be enabled). Ask the site administrator.',
  ],
]);

function describe(err: EngineError, online: boolean): { code: UploadErrorCode; message: string; retryable: boolean } {
  const configuration = err.ossCode !== undefined ? CONFIGURATION_ERRORS.get(err.ossCode) : undefined;
  if (configuration !== undefined) return { code: 'CONFIGURATION', message: configuration, retryable: false };
  if (err.status === 0 || err.status === -1) {
    if (!online) return { code: 'OFFLINE', message: 'You are offline. The upload continues when the connection is back.', retryable: true };
    return err.status === 0
      ? { code: 'NETWORK', message: 'The connection to the storage service failed repeatedly.', retryable: true }
      : { code: 'NETWORK', message: 'The upload stalled: no data got through for too long.', retryable: true };
  }
  if (err.ossCode === 'NoSuchUpload') {
    return { code: 'UPLOAD_EXPIRED', message: 'The unfinished upload no longer exists on the server; retrying starts it again.', retryable: true };
  }
  if (err.ossCode !== undefined && CREDENTIAL_ERROR_CODES.has(err.ossCode)) {
    return { code: 'ACCESS_DENIED', message: 'The upload permission expired and could not be renewed.', retryable: true };
  }
  if (err.ossCode === 'EntityTooLarge' || err.ossCode === 'InlineDataTooLarge') {
    return { code: 'TOO_LARGE', message: 'The storage service refused the file as too large.', retryable: false };
  }
  if (err.status === 403) {
    return { code: 'ACCESS_DENIED', message: 'The storage service refused this upload (not permitted for this location).', retryable: false };
  }
  if (err.status >= 500 || err.status === 429 || err.status === 408) {
    return { code: 'SERVER', message: 'The storage service is busy or failing. Try again later.', retryable: true };
  }
  return { code: 'UNKNOWN', message: `The storage service rejected the request (${err.ossCode ?? `HTTP ${err.status}`}).`, retryable: false };
}

/**
 * Blob reads fail with NotReadableError or NotFoundError when the file changed or vanished after
 * selection; the hasher fails with TimeoutError when reading stalled (see crc64.ts).
 */
function fileReadFailure(err: unknown): 'NotReadableError' | 'NotFoundError' | 'TimeoutError' | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'NotReadableError' || name === 'NotFoundError' || name === 'TimeoutError' ? name : undefined;
}
