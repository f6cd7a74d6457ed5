import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { actionForOperation, authenticate, authorize, type AuthContext } from './auth';
import { PUBLIC_KEY_PATH, type CallbackSettings } from './callback';
import type { CorsRule } from './cors';
import { OssError } from './errors';
import { assertValidKey, HANDLERS, resolveOperation } from './operations';
import { routeFor } from './operations/routes';
import { newRequestId } from './request-id';
import { parseOssRequest, type OssRequest } from './request';
import { sendEmpty } from './respond';
import type { Storage } from './storage/storage';
import { renderXml } from './xml';

export interface OssListenerOptions {
  storage: Storage;
  auth: AuthContext;
  cors: CorsRule;
  now: () => number;
  /** `http://localhost:PORT`; read per request because the port is known only after listening. */
  endpoint: () => string;
  callback: CallbackSettings;
}

/**
 * The OSS REST listener. It is a plain node:http listener on purpose: a part body is the request
 * stream itself, piped to disk with backpressure; a framework's request adapter would stand between.
 * Order per request: CORS headers (on every response, errors included), preflight, operation,
 * authentication, bucket, key, authorization, handler. Every failure is rendered once, here.
 */
export function createOssListener(options: OssListenerOptions): RequestListener {
  return (req, res) => {
    void handle(req, res, options);
  };
}

/** How long to keep reading a body that will not be stored, after an early error answer. */
const DISCARD_LIMIT_MS = 30_000;

async function handle(req: IncomingMessage, res: ServerResponse, options: OssListenerOptions): Promise<void> {
  const requestId = newRequestId();
  const baseHeaders = {
    'x-oss-request-id': requestId,
    Server: 'AliyunOSS',
    Date: new Date(options.now()).toUTCString(),
    ...options.cors.responseHeaders(req.headers.origin),
  };
  for (const [name, value] of Object.entries(baseHeaders)) res.setHeader(name, value);
  let request: OssRequest | undefined;
  try {
    request = parseOssRequest(req);
    if (request.bucket === '__oss' && servesPublicKey(req, res, options)) return;
    await dispatch(req, res, request, options);
  } catch (error) {
    sendError(req, res, toOssError(error), { requestId, baseHeaders, request });
  }
}

async function dispatch(req: IncomingMessage, res: ServerResponse, request: OssRequest, options: OssListenerOptions): Promise<void> {
  if (request.method === 'OPTIONS') {
    sendEmpty(res, 200, options.cors.preflightHeaders(request));
    return;
  }
  const operation = resolveOperation(request);
  const principal = authenticate(request, options.auth);
  if (request.bucket === null) throw new OssError('NotImplemented', 'This server serves bucket and object requests only.');
  const bucket = options.storage.bucket(request.bucket);
  if (!bucket) throw new OssError('NoSuchBucket', undefined, { BucketName: request.bucket });
  if (request.key !== null) assertValidKey(request.key);
  const row = routeFor(request);
  if (!('authorizedPerKey' in row)) {
    authorize(principal, actionForOperation(operation, { bucket: bucket.name, key: request.key, query: request.query }), options.auth);
  }
  // Object tags given with an upload need the tagging action too, as on OSS (EC 0003-00000905).
  if (request.key !== null && request.headers['x-oss-tagging'] !== undefined && (operation === 'PutObject' || operation === 'InitiateMultipartUpload')) {
    authorize(principal, actionForOperation('PutObjectTagging', { bucket: bucket.name, key: request.key }), options.auth);
  }
  await HANDLERS[operation]({
    req,
    res,
    request,
    bucket,
    key: request.key ?? '',
    blobs: options.storage.blobs,
    now: options.now,
    endpoint: options.endpoint(),
    principal,
    auth: options.auth,
    bucketNamed: (name) => options.storage.bucket(name),
    callback: { ...options.callback, publicKeyUrl: `${options.endpoint()}${PUBLIC_KEY_PATH}` },
  });
}

/**
 * `GET {endpoint}/__oss/callback-public-key.pem`: the public half of the key that signs upload
 * callbacks, unauthenticated like OSS's gosspublic.alicdn.com (it is public), on the OSS port
 * because that is the origin an app already knows. Only with no bucket in the Host, so it never
 * shadows an object of a virtual-host-style bucket.
 */
function servesPublicKey(req: IncomingMessage, res: ServerResponse, options: OssListenerOptions): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path !== PUBLIC_KEY_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const body = Buffer.from(options.callback.publicKey);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/x-pem-file');
  res.setHeader('Content-Length', String(body.length));
  res.setHeader('Cache-Control', 'max-age=3600');
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function toOssError(error: unknown): OssError | null {
  if (error instanceof OssError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // The client went away mid-request: nothing to answer.
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR') return null;
  if (code === 'ENOSPC') return new OssError('InsufficientStorage', undefined, {}, { cause: error });
  console.error('local OSS: internal error:', error instanceof Error ? error.message : String(error));
  return new OssError('InternalError', undefined, {}, { cause: error });
}

interface ErrorContext {
  requestId: string;
  baseHeaders: Record<string, string>;
  request: OssRequest | undefined;
}

/** OSS error XML with the error's status; HEAD gets no body but the same XML base64 in `x-oss-err`. */
function sendError(req: IncomingMessage, res: ServerResponse, error: OssError | null, context: ErrorContext): void {
  if (error === null || res.headersSent || res.destroyed) {
    // Too late for a status line (a GET failed mid-stream) or no one to tell: cut the connection.
    res.destroy();
    return;
  }
  const host = context.request?.headers.host ?? 'localhost';
  const xml = renderXml('Error', {
    Code: error.code,
    Message: error.message,
    RequestId: context.requestId,
    HostId: host,
    ...error.extra,
  });
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(context.baseHeaders)) res.setHeader(name, value);
  res.statusCode = error.status;
  if (req.method === 'HEAD') {
    res.setHeader('x-oss-err', Buffer.from(xml).toString('base64'));
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  const body = Buffer.from(xml);
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  if (!req.complete) discardRestOfBody(req, res);
  res.end(body);
}

/**
 * An error answered before the request body was read (a rejected signature, a full disk): read and
 * drop the rest so the client, still sending, sees the answer instead of a reset connection, then
 * close the connection. A client that keeps sending for long is cut off.
 */
function discardRestOfBody(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Connection', 'close');
  const cutOff = setTimeout(() => req.socket.destroy(), DISCARD_LIMIT_MS);
  cutOff.unref();
  req.once('end', () => clearTimeout(cutOff));
  req.once('close', () => clearTimeout(cutOff));
  req.resume();
}
