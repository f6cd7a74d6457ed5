import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a node:http server waits for a client, for servers that must accept multi-GB bodies
 * (so no deadline on a whole request) without letting a silent client hold a connection forever.
 */
export interface ConnectionTimeouts {
  /**
   * The request line and every header must have arrived this long after the request began (for
   * the first request, after the connection opened). A client that trickles its headers (a
   * "slowloris") gets `408 Request Timeout` and the connection is closed.
   */
  headersTimeoutMs: number;
  /**
   * Longest silence allowed from a client that owes the server something: body bytes it has not
   * sent, or response bytes it does not read. The connection is then closed (no answer: the
   * client is not listening, and a close is what HTTP clients retry). A silence that is the
   * server's own doing (it is still writing a body to disk, or reading a file to send) never
   * counts. Slow but moving transfers are never cut, however long they take.
   */
  idleTimeoutMs: number;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECTION_TIMEOUTS: Readonly<ConnectionTimeouts> = Object.freeze({
  headersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
});

/** Node's timers hold at most this many milliseconds (2^31 - 1). */
export const MAX_TIMEOUT_MS = 2_147_483_647;

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
}

/**
 * Puts `limits` on `server`. Call it once, before `server.listen()` (Node starts its header-deadline
 * check when the server starts listening). Works for any node:http server; nothing here is
 * specific to one app.
 *
 * What Node does and what this adds:
 * - `requestTimeout = 0`: no deadline on a whole request. Node's default (5 minutes) would cut a
 *   slow multi-GB upload that is still making progress.
 * - `headersTimeout`: Node's own check; it runs every `connectionsCheckingInterval` (30 s by default,
 *   far too coarse for a 30 s limit, so it is set to a fraction of the limit here).
 * - `server.timeout`: Node's per-socket inactivity timer, reset by every byte read from or written
 *   to the socket, in both directions. Left alone Node would destroy the socket when it fires,
 *   including when the silence is the server's (its disk is slow and it stopped reading the body,
 *   an fsync, a Complete assembling thousands of parts). A 'timeout' listener replaces that: it
 *   closes the connection only when the client is the one that stalled, and otherwise waits again.
 * - `keepAliveTimeout` (Node default 5 s) still closes idle connections between requests.
 * - Upgraded connections (WebSocket, such as Vite's hot reload) leave Node's HTTP handling and are
 *   not timed out here; their protocol keeps them alive.
 *
 * A GET read slowly by its client: the response is written with backpressure, so the server waits
 * for the client's TCP window. Each chunk the kernel takes resets the timer, so a client reading
 * slowly but steadily gets the whole object however long it takes; a client that stops reading
 * for `idleTimeoutMs` (its window stays shut, writes stay queued) is disconnected and the file it
 * was reading is released.
 */
export function applyConnectionTimeouts(server: Server, limits: ConnectionTimeouts): void {
  checkLimit('headersTimeoutMs', limits.headersTimeoutMs);
  checkLimit('idleTimeoutMs', limits.idleTimeoutMs);
  if (server.listening) throw new Error('applyConnectionTimeouts must be called before the server listens');
  server.requestTimeout = 0;
  server.headersTimeout = limits.headersTimeoutMs;
  // Read by Node when the server starts listening; typed only as a createServer option.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkingInterval(limits.headersTimeoutMs);
  server.timeout = limits.idleTimeoutMs;

  // The latest request on each socket (HTTP/1.1 handles one at a time per connection).
  const exchanges = new WeakMap<Socket, Exchange>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    exchanges.set(req.socket, { req, res });
  });
  server.on('timeout', (socket: Socket) => {
    // Judged after this turn's I/O: when the process itself was blocked for longer than the limit,
    // timers run before the bytes that came meanwhile are read, and those bytes mean no stall.
    const bytesRead = socket.bytesRead;
    setImmediate(() => {
      if (socket.destroyed) return;
      if (socket.bytesRead === bytesRead && clientStalled(socket, exchanges.get(socket))) socket.destroy();
      // Not the client's silence: wait another period (the timer does not re-arm by itself).
      else socket.setTimeout(limits.idleTimeoutMs);
    });
  });
}

/**
 * Called when the socket saw no byte either way for the idle time. True when it is the client
 * the server waits for; false when the server itself has not read or written for its own reasons.
 */
function clientStalled(socket: Socket, exchange: Exchange | undefined): boolean {
  // Response bytes queued that the client has not taken for the whole period (Node suppresses the
  // timeout while a queued write makes progress): it stopped reading.
  if (socket.writableLength > 0) return true;
  // No request yet, or between requests: an idle connection.
  if (exchange === undefined || exchange.res.writableFinished) return true;
  // The body is still due. Node stops reading the socket (pauses it) while the request stream holds
  // more than it can buffer, and only then can the client be blocked by the server; a socket being
  // read that got nothing is a silent client, however the handler consumes the body.
  if (!exchange.req.complete) return !socket.isPaused();
  // Body received, response not finished and nothing queued: the server is still working on it.
  return false;
}

function checkingInterval(headersTimeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(headersTimeoutMs / 4)));
}

function checkLimit(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw new RangeError(`${name} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${value}`);
  }
}
