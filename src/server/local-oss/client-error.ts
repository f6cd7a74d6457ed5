import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CorsRule } from './cors';
import { OssError } from './errors';
import { newRequestId } from './request-id';
import { renderXml } from './xml';

/** How long a refused connection may keep sending (the rest of a body nobody reads) before it is cut. */
const LINGER_MS = 5_000;

/**
 * Answers requests that Node's HTTP parser refuses before the OSS listener sees them, as OSS errors
 * (XML with a request id, CORS headers) instead of Node's bare `400 Bad Request`, which a browser
 * hides from the page (no CORS headers) and ali-oss cannot explain (no code, no request id).
 *
 * `Content-Length` together with `Transfer-Encoding: chunked` is what ali-oss's Node client sends
 * for `put(name, stream, { headers: { 'Content-Length': n } })`. OSS accepts it (it reads the
 * chunked body). RFC 9112 §6.3 lets a server either reject it or process it by Transfer-Encoding
 * alone, and then it must close the connection, because the pair is how requests are smuggled
 * past a proxy that trusts Content-Length. Node's parser refuses it, and its only way to accept it
 * is `insecureHTTPParser`, which also turns off every other check of the parser (bad header
 * characters, bare LF line ends, bad chunk sizes) for every request. Rewriting the head before
 * the parser would mean parsing every request of every keep-alive connection in JavaScript, on
 * the path of multi-GB bodies. So the local OSS refuses the pair, with 501 NotImplemented naming
 * the fix (send one of the two headers; in ali-oss, `putStream` with `contentLength` or no
 * Content-Length header), and closes the connection. This is a difference from OSS, documented
 * in docs/local-oss.md.
 *
 * The Origin header is read from the bytes the parser held when it failed (`rawPacket`); a head
 * that arrived in several TCP segments may have its Origin in an earlier one, and then the answer
 * has no CORS headers.
 */
export function answerClientErrors(server: Server, cors: CorsRule, now: () => number): void {
  // The response in progress on each connection: when one is being sent, no second status line fits.
  const current = new WeakMap<Duplex, ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => current.set(req.socket, res));
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    const inFlight = current.get(socket);
    const head = headOf(error.rawPacket);
    const answer = answerFor(error, head);
    if (answer === null || !socket.writable || (inFlight !== undefined && !inFlight.writableFinished)) {
      socket.destroy();
      return;
    }
    socket.end(renderResponse(answer, { origin: headerIn(head, 'origin'), host: headerIn(head, 'host'), cors, now }));
    const cutOff = setTimeout(() => socket.destroy(), LINGER_MS);
    cutOff.unref();
    socket.once('close', () => clearTimeout(cutOff));
    // Read and drop whatever the client is still sending, so it sees the answer rather than a reset.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
}

interface Answer {
  status: number;
  error: OssError;
}

function answerFor(error: NodeJS.ErrnoException, head: string): Answer | null {
  // llhttp says HPE_INVALID_TRANSFER_ENCODING or HPE_UNEXPECTED_CONTENT_LENGTH, by header order.
  const both = headerIn(head, 'content-length', false) !== undefined && headerIn(head, 'transfer-encoding', false) !== undefined;
  if (both && (error.code === 'HPE_INVALID_TRANSFER_ENCODING' || error.code === 'HPE_UNEXPECTED_CONTENT_LENGTH')) {
    return {
        status: 501,
        error: new OssError(
          'NotImplemented',
          'The local OSS does not accept Content-Length together with Transfer-Encoding: chunked (OSS reads such a body as chunked). ' +
            'Send one of the two: with ali-oss, putStream(name, stream, { contentLength }) or put(name, stream) without a Content-Length header.',
      ),
    };
  }
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: new OssError('RequestTimeout') };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: new OssError('InvalidRequest', 'The request headers are too large.') };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, error: new OssError('InvalidRequest', 'The chunk extensions are too large.') };
    default:
      // Other parser failures (HPE_*): the request is not valid HTTP. Socket errors: nobody to answer.
      if (error.code?.startsWith('HPE_')) return { status: 400, error: new OssError('InvalidRequest', `The request is not valid HTTP/1.1 (${error.code}).`) };
      return null;
  }
}

function renderResponse(answer: Answer, context: { origin: string | undefined; host: string | undefined; cors: CorsRule; now: () => number }): string {
  const requestId = newRequestId();
  const body = Buffer.from(
    renderXml('Error', { Code: answer.error.code, Message: answer.error.message, RequestId: requestId, HostId: context.host ?? 'localhost' }),
  );
  const headers: Record<string, string> = {
    Server: 'AliyunOSS',
    Date: new Date(context.now()).toUTCString(),
    'x-oss-request-id': requestId,
    ...context.cors.responseHeaders(context.origin),
    'Content-Type': 'application/xml',
    'Content-Length': String(body.length),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status] ?? 'Error'}\r\n${lines.join('')}\r\n${body.toString('utf8')}`;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large', 501: 'Not Implemented' };

/** The header block of the bytes the parser failed on, as latin1 text (one character per byte). */
function headOf(rawPacket: Buffer | undefined): string {
  if (rawPacket === undefined) return '';
  const text = rawPacket.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  return end === -1 ? text : text.slice(0, end);
}

/** A header's value in a raw head; `clean`: only a plain visible-ASCII value (it is echoed into our answer). */
function headerIn(head: string, name: string, clean = true): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== name) continue;
    const value = line.slice(colon + 1).trim();
    return !clean || /^[\x21-\x7e]+$/.test(value) ? value : undefined;
  }
  return undefined;
}
