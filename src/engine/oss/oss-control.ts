import type { Credentials, ListedPart, OssControl } from '../contracts';
import { EngineError, isAbortError } from '../errors/engine-error';
import { raceAbort, throwIfAborted } from '../support/abort';
import { nextTask } from '../support/next-task';

/** Options an ali-oss client is built from, all taken from the credentials. */
export interface OssClientOptions {
  region: string;
  bucket: string;
  endpoint: string;
  secure: boolean;
  cname: boolean;
  sldEnable: boolean;
  accessKeyId: string;
  accessKeySecret: string;
  stsToken: string;
  refreshSTSTokenInterval: number;
}

type Headers = Record<string, string | undefined>;

/** The part of the ali-oss client API this module uses (same in its Node and browser builds). */
export interface OssClient {
  initMultipartUpload(name: string, options?: { mime?: string; headers?: Record<string, string> }): Promise<{ uploadId: string }>;
  listParts(name: string, uploadId: string, query: Record<string, string | number>): Promise<{ parts: unknown; isTruncated: unknown; nextPartNumberMarker: unknown }>;
  /** With `x-oss-callback` in `options.headers`, ali-oss parses the answer's JSON body into `data`. */
  completeMultipartUpload(
    name: string,
    uploadId: string,
    parts: Array<{ number: number; etag: string }>,
    options?: { headers?: Record<string, string> },
  ): Promise<{ etag?: string; data?: unknown; res: { headers: Headers } }>;
  abortMultipartUpload(name: string, uploadId: string): Promise<unknown>;
  signatureUrl(name: string, options: Record<string, unknown>): string;
  /** ali-oss keeps here the server-minus-page clock offset it learns from RequestTimeTooSkewed. */
  options?: { amendTimeSkewed?: number };
}

export type OssClientFactory = (options: OssClientOptions) => Promise<OssClient>;

export interface OssControlOptions {
  /** Builds a client; default: ali-oss, imported on first use so it stays out of the first-load bundle. */
  createClient?: OssClientFactory;
  /**
   * Starts loading what `createClient` needs (`OssControl.preload`); default: the ali-oss import
   * with the default `createClient`, nothing with another one.
   */
  preload?: () => Promise<unknown>;
}

/** Clients kept at once: enough for a token refresh overlapping parts still using the old token. */
const MAX_CACHED_CLIENTS = 4;
/** Presigned part URLs stay valid this long by default; OSS checks only the start of the request. */
const DEFAULT_SIGNED_URL_SECONDS = 1800;

const importAliOss = () => import('ali-oss');
type AliOssModule = Awaited<ReturnType<typeof importAliOss>>;
let aliOss: Promise<AliOssModule> | undefined;

/**
 * The ali-oss module, imported once (it stays out of the first-load bundle). A failed import is
 * forgotten, so the next call tries again.
 */
export function loadAliOss(): Promise<AliOssModule> {
  if (aliOss) return aliOss;
  const loading = importAliOss();
  aliOss = loading;
  loading.catch(() => {
    if (aliOss === loading) aliOss = undefined;
  });
  return loading;
}

/** Creates an ali-oss client from the lazily imported SDK (browser build under Vite, Node build under Node). */
export const createAliOssClient: OssClientFactory = async (options) => {
  const { default: OSS } = await loadAliOss();
  // @types/ali-oss lacks `sldEnable`; the SDK reads it (lib/common/client/initOptions.js).
  return new OSS(options as ConstructorParameters<typeof OSS>[0]) as unknown as OssClient;
};

/**
 * The multipart control plane (initiate, list, complete, abort) and part URL signing, on ali-oss.
 * Part bytes never go through ali-oss: its browser build copies every part in memory and is about
 * 20 times slower than a plain XHR of a Blob slice, so parts are PUT to presigned URLs instead.
 */
export function createOssControl(opts: OssControlOptions = {}): OssControl {
  const createClient = opts.createClient ?? createAliOssClient;
  const preload = opts.preload ?? (opts.createClient ? undefined : loadAliOss);
  const clients = new Map<string, Promise<OssClient>>();
  /**
   * Server clock minus page clock, in ms. ali-oss learns it per client (from RequestTimeTooSkewed)
   * but its presigned URLs ignore it, and a new client after a token refresh starts from zero; kept
   * here, it keeps part URLs valid on a page whose clock is off by more than their lifetime.
   */
  let clockSkewMs = 0;

  function learnClockSkew(client: OssClient): void {
    const learned = client.options?.amendTimeSkewed;
    if (typeof learned === 'number' && learned !== 0) clockSkewMs = learned;
  }

  function clientFor(credentials: Credentials): Promise<OssClient> {
    const cacheKey = `${credentials.accessKeyId}\n${credentials.bucket}\n${credentials.endpoint}`;
    let client = clients.get(cacheKey);
    if (!client) {
      client = createClient(clientOptions(credentials)).then((created) => {
        if (created.options && clockSkewMs !== 0) created.options.amendTimeSkewed = clockSkewMs;
        return created;
      });
      // A failed SDK import must be retried on the next call, not cached.
      client.catch(() => clients.delete(cacheKey));
      clients.set(cacheKey, client);
      if (clients.size > MAX_CACHED_CLIENTS) clients.delete(clients.keys().next().value!);
    }
    return client;
  }

  async function call<T>(credentials: Credentials, signal: AbortSignal | undefined, op: (client: OssClient) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    let client: OssClient | undefined;
    try {
      client = await raceAbort(clientFor(credentials), signal);
      // ali-oss requests cannot be cancelled; an abort stops waiting for them.
      return await raceAbort(op(client), signal);
    } catch (err) {
      throw toEngineError(err);
    } finally {
      if (client) learnClockSkew(client);
    }
  }

  return {
    preload() {
      // Evaluating the SDK is about 0.1 s of script: done ahead, the first file does not wait for it.
      preload?.().catch(() => undefined);
    },

    async initiate({ credentials, key, contentType, headers, signal }) {
      const options = { ...(contentType ? { mime: contentType } : {}), ...(headers && Object.keys(headers).length > 0 ? { headers } : {}) };
      const result = await call(credentials, signal, (c) => c.initMultipartUpload(key, options));
      return { uploadId: result.uploadId };
    },

    async listParts({ credentials, key, uploadId, signal, onPage }) {
      const listed: ListedPart[] = [];
      let marker: string | undefined;
      for (;;) {
        const query: Record<string, string | number> = { 'max-parts': 1000 };
        if (marker !== undefined) query['part-number-marker'] = marker;
        const page = await call(credentials, signal, (c) => c.listParts(key, uploadId, query));
        // ali-oss parsed the page in this task; what the upload does with it runs in the next one.
        await nextTask();
        listed.push(...asArray(page.parts).map(toListedPart));
        // ali-oss passes the XML text through: IsTruncated is the string 'true' or 'false'.
        const more = String(page.isTruncated) === 'true';
        onPage?.(more);
        if (!more) return listed;
        const next = String(page.nextPartNumberMarker ?? '');
        if (next === '' || next === marker) {
          throw new EngineError('ListParts is truncated but gives no next marker', { status: 200, ossCode: 'InvalidListPartsResponse' });
        }
        marker = next;
      }
    },

    async complete({ credentials, key, uploadId, parts, headers, signal }) {
      const list = parts.map((p) => ({ number: p.number, etag: p.etag }));
      // A callback answer is 200 with the app server's JSON (ali-oss: `data`); a failed callback is a
      // rejection with status 203 and code CallbackFailed, though the object is stored.
      const result = await call(credentials, signal, (c) =>
        headers && Object.keys(headers).length > 0 ? c.completeMultipartUpload(key, uploadId, list, { headers }) : c.completeMultipartUpload(key, uploadId, list),
      );
      // Unreadable when CORS does not expose the headers; the upload is complete regardless.
      return {
        etag: result.etag ?? result.res.headers.etag ?? '',
        crc64: result.res.headers['x-oss-hash-crc64ecma'] ?? null,
        ...(result.data !== undefined ? { data: result.data } : {}),
      };
    },

    async abort({ credentials, key, uploadId, signal }) {
      await call(credentials, signal, (c) => c.abortMultipartUpload(key, uploadId));
    },

    async signPutUrl({ credentials, key, uploadId, partNumber, contentType, headers, expiresSeconds }) {
      const client = await clientFor(credentials).catch((err: unknown) => {
        throw toEngineError(err);
      });
      // ali-oss computes `Expires` from the page clock; shift it so it is right by the server's clock.
      // (A shifted value of 0 would make ali-oss fall back to its default, so 1 s more is used.)
      const expires = (expiresSeconds ?? DEFAULT_SIGNED_URL_SECONDS) + Math.round(clockSkewMs / 1000);
      const options: Record<string, unknown> = { method: 'PUT', expires: expires === 0 ? 1 : expires };
      if (contentType) options['Content-Type'] = contentType;
      // ali-oss signs every option named x-oss-* as a header (V1: CanonicalizedOSSHeaders); OSS
      // checks the x-oss-* headers the request carries against them. Other headers are not signed.
      for (const [name, value] of Object.entries(headers ?? {})) {
        if (name.toLowerCase().startsWith('x-oss-')) options[name.toLowerCase()] = value;
      }
      if (uploadId !== undefined && partNumber !== undefined) options.subResource = { partNumber, uploadId };
      try {
        return client.signatureUrl(key, options);
      } catch (err) {
        // e.g. "can not get the object URL when endpoint is IP": a configuration error, not worth retrying.
        throw new EngineError(`Cannot sign the upload URL: ${(err as Error).message}`, { status: 400, ossCode: 'SignatureUrlFailed' }, { cause: err });
      }
    },
  };
}

function clientOptions(credentials: Credentials): OssClientOptions {
  return {
    region: credentials.region,
    bucket: credentials.bucket,
    endpoint: credentials.endpoint,
    secure: credentials.secure,
    cname: credentials.cname ?? false,
    sldEnable: credentials.sldEnable ?? false,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    stsToken: credentials.securityToken,
    // Credentials are refreshed outside the SDK (one client per set); without a refresh function
    // ali-oss never uses this interval, but setting it stops its warning on every new client.
    refreshSTSTokenInterval: 60 * 60_000,
  };
}

/** ali-oss parses XML with `explicitArray: false`: one `<Part>` arrives as an object, none as undefined. */
function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

function toListedPart(raw: unknown): ListedPart {
  const part = raw as Record<string, unknown>;
  const listed: ListedPart = { number: Number(part.PartNumber), etag: String(part.ETag ?? ''), size: Number(part.Size) };
  if (typeof part.HashCrc64ecma === 'string' && part.HashCrc64ecma !== '') listed.crc64 = part.HashCrc64ecma;
  return listed;
}

interface AliOssErrorShape {
  name?: string;
  message?: string;
  status?: number;
  code?: string;
  requestId?: string;
}

/**
 * ali-oss errors → EngineError. ali-oss uses status -1 for network errors and -2 (or a *TimeoutError
 * name) for timeouts; the engine's convention is 0 for network and -1 for stall/timeout.
 */
export function toEngineError(err: unknown): unknown {
  if (err instanceof EngineError || isAbortError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as AliOssErrorShape;
  const timedOut = e.status === -2 || /Timeout/.test(e.name ?? '');
  const status = timedOut ? -1 : typeof e.status === 'number' && e.status > 0 ? e.status : 0;
  return new EngineError(
    e.message ?? 'OSS request failed',
    {
      status,
      ...(typeof e.code === 'string' && status > 0 ? { ossCode: e.code } : {}),
      ...(typeof e.requestId === 'string' && e.requestId !== '' ? { requestId: e.requestId } : {}),
    },
    { cause: err },
  );
}
