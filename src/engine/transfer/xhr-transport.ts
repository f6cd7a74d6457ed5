import type { PartTransport } from '../contracts';
import { EngineError } from '../errors/engine-error';
import { abortError } from '../support/abort';
import { parseOssErrorXml } from '../oss/oss-error-xml';

export interface XhrTransportOptions {
  /** Makes the request object; tests inject a scripted fake. */
  createXhr?: () => XMLHttpRequest;
}

type PutParams = Parameters<PartTransport['put']>[0];
type PutResult = Awaited<ReturnType<PartTransport['put']>>;

const ETAG_NOT_EXPOSED =
  "The upload succeeded but its ETag header is unreadable: the bucket's CORS rule must expose ETag " +
  '(ExposeHeader ETag, x-oss-hash-crc64ecma, x-oss-request-id).';

/**
 * Sends each part as one XHR PUT of a Blob slice to a presigned URL. The browser streams the slice
 * from disk itself (no copy in the page), and XHR, unlike fetch, reports upload progress.
 */
export function createXhrTransport(opts: XhrTransportOptions = {}): PartTransport {
  const createXhr = opts.createXhr ?? (() => new XMLHttpRequest());
  return {
    put: (params) => (params.signal.aborted ? Promise.reject(abortError()) : putBlob(createXhr(), params)),
  };
}

function putBlob(xhr: XMLHttpRequest, p: PutParams): Promise<PutResult> {
  const partNumber = partNumberOf(p.url);
  const withPart = partNumber !== undefined ? { partNumber } : {};

  return new Promise<PutResult>((resolve, reject) => {
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;

    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(stallTimer);
      p.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = (): void => {
      settle(() => {
        xhr.abort();
        reject(abortError());
      });
    };
    const armStallTimer = (): void => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        settle(() => {
          xhr.abort();
          reject(new EngineError(`No upload progress for ${p.stallTimeoutMs} ms`, { status: -1, ...withPart }));
        });
      }, p.stallTimeoutMs);
    };

    xhr.open('PUT', p.url);
    // The presigned signature covers Content-Type; send exactly the one it was signed with.
    if (p.contentType) xhr.setRequestHeader('Content-Type', p.contentType);
    for (const [name, value] of Object.entries(p.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (settled) return;
      armStallTimer();
      p.onProgress(event.loaded);
    };
    // Waiting for the response after the last byte counts against the stall timer too; any sign of life re-arms it.
    xhr.onprogress = () => {
      if (!settled) armStallTimer();
    };
    xhr.onerror = () => {
      settle(() => reject(new EngineError('Network error while uploading (connection lost, or blocked by CORS)', { status: 0, ...withPart })));
    };
    // Aborted by the browser itself (page unloading), not by us: same as a lost connection.
    xhr.onabort = () => {
      settle(() => reject(new EngineError('Upload request was aborted by the browser', { status: 0, ...withPart })));
    };
    xhr.onload = () => {
      settle(() => {
        const status = xhr.status;
        if (status >= 200 && status < 300) {
          const etag = xhr.getResponseHeader('ETag');
          if (!etag) {
            reject(new EngineError(ETAG_NOT_EXPOSED, { status, ossCode: 'ETagNotExposed', ...withPart }));
            return;
          }
          p.onProgress(p.body.size);
          // A PutObject with an upload callback answers with the app server's JSON (200), or 203
          // CallbackFailed with the object stored: the caller reads which.
          const body = p.headers?.['x-oss-callback'] !== undefined && typeof xhr.responseText === 'string' ? xhr.responseText : '';
          resolve({ etag, crc64: xhr.getResponseHeader('x-oss-hash-crc64ecma'), ...(body ? { status, body } : status !== 200 ? { status } : {}) });
          return;
        }
        reject(httpError(xhr, partNumber));
      });
    };
    p.signal.addEventListener('abort', onAbort, { once: true });
    xhr.send(bodyWithType(p.body, p.contentType ?? ''));
    armStallTimer();
  });
}

/** XHR sends a Blob's own type as Content-Type; make it match the signed one (a zero-copy re-slice). */
function bodyWithType(body: Blob, contentType: string): Blob {
  return body.type === contentType ? body : body.slice(0, body.size, contentType);
}

function httpError(xhr: XMLHttpRequest, partNumber: number | undefined): EngineError {
  const body = parseOssErrorXml(typeof xhr.responseText === 'string' ? xhr.responseText : '');
  const requestId = body.requestId ?? xhr.getResponseHeader('x-oss-request-id') ?? undefined;
  const message = `Upload request failed with HTTP ${xhr.status}${body.code ? ` ${body.code}` : ''}${body.message ? `: ${body.message}` : ''}`;
  return new EngineError(message, {
    status: xhr.status,
    ...(body.code !== undefined ? { ossCode: body.code } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(partNumber !== undefined ? { partNumber } : {}),
  });
}

function partNumberOf(url: string): number | undefined {
  try {
    const value = new URL(url, 'http://relative.invalid').searchParams.get('partNumber');
    return value === null ? undefined : Number(value);
  } catch {
    return undefined;
  }
}
