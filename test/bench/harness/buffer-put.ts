/**
 * One XHR PUT of bytes already in memory (an ArrayBuffer, or a Blob made from one), usable on the main
 * thread and in a worker. Bench-only: what the read-once prototypes send. Failures are plain `PutFailure`
 * values (they cross `postMessage`); `toEngineError` turns them back into what the engine's retry
 * policy reads (status 0 = network, -1 = stall, else HTTP).
 */
import { createCRC64 } from 'hash-wasm';

export interface PutFailure {
  name: string;
  message: string;
  /** Absent for an abort or an unreadable file. */
  status?: number;
  ossCode?: string;
  requestId?: string;
}

export interface PutAnswer {
  etag: string;
  /** The server's CRC-64 of what it received, `x-oss-hash-crc64ecma`. */
  crc64: string | null;
}

export interface BufferPut {
  done: Promise<PutAnswer>;
  abort(): void;
}

export function putBuffer(
  url: string,
  body: ArrayBuffer | Blob,
  opts: { contentType?: string; headers?: Record<string, string>; stallTimeoutMs: number; onProgress: (loaded: number) => void },
): BufferPut {
  const xhr = new XMLHttpRequest();
  let abort = (): void => undefined;
  const done = new Promise<PutAnswer>((resolve, reject) => {
    let settled = false;
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    const fail = (failure: PutFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(stallTimer);
      reject(failure);
    };
    const arm = (): void => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        xhr.abort();
        fail({ name: 'EngineError', message: `No upload progress for ${opts.stallTimeoutMs} ms`, status: -1 });
      }, opts.stallTimeoutMs);
    };
    abort = () => {
      xhr.abort();
      fail({ name: 'AbortError', message: 'The operation was aborted.' });
    };
    xhr.open('PUT', url);
    if (opts.contentType) xhr.setRequestHeader('Content-Type', opts.contentType);
    for (const [name, value] of Object.entries(opts.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (settled) return;
      arm();
      opts.onProgress(event.loaded);
    };
    xhr.onprogress = () => {
      if (!settled) arm();
    };
    xhr.onerror = () => fail({ name: 'EngineError', message: 'Network error while uploading', status: 0 });
    xhr.onabort = () => fail({ name: 'EngineError', message: 'Upload request was aborted by the browser', status: 0 });
    xhr.onload = () => {
      if (settled) return;
      const status = xhr.status;
      if (status >= 200 && status < 300) {
        const etag = xhr.getResponseHeader('ETag');
        if (!etag) {
          fail({ name: 'EngineError', message: 'ETag not exposed', status, ossCode: 'ETagNotExposed' });
          return;
        }
        settled = true;
        clearTimeout(stallTimer);
        resolve({ etag, crc64: xhr.getResponseHeader('x-oss-hash-crc64ecma') });
        return;
      }
      const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText)?.[1];
      const requestId = xhr.getResponseHeader('x-oss-request-id') ?? undefined;
      fail({
        name: 'EngineError',
        message: `Upload request failed with HTTP ${status}${code ? ` ${code}` : ''}`,
        status,
        ...(code ? { ossCode: code } : {}),
        ...(requestId ? { requestId } : {}),
      });
    };
    // An ArrayBuffer body is copied here (XHR extracts it at send), so the caller may transfer or drop it afterwards.
    xhr.send(body);
    arm();
  });
  return { done, abort };
}

/** CRC-64/ECMA-182 of bytes in memory, decimal as OSS answers it; one wasm instance per realm, reused. */
let crcInstance: ReturnType<typeof createCRC64> | undefined;
export async function crc64OfBuffer(buffer: ArrayBuffer): Promise<string> {
  crcInstance ??= createCRC64();
  const crc = await crcInstance;
  crc.init();
  crc.update(new Uint8Array(buffer));
  return BigInt(`0x${crc.digest('hex')}`).toString(10);
}

export function isPutFailure(value: unknown): value is PutFailure {
  return typeof value === 'object' && value !== null && 'name' in value && 'message' in value && !(value instanceof Error);
}
