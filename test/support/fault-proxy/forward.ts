import { request, type Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';

export interface Upstream {
  hostname: string;
  port: number;
  agent: Agent;
}

/**
 * Sends the request to the target and its answer back, streaming both bodies. Headers travel as
 * received, Host included: path-style OSS reads the bucket from the path, and a V4 signature may
 * cover Host, so rewriting it could only break things.
 *
 * With `dropFraction` (0..1) the client connection is cut once that share of the body has reached
 * the target, which then sees the request aborted mid-body.
 */
export function forward(client: IncomingMessage, response: ServerResponse, upstream: Upstream, dropFraction?: number): void {
  const outgoing = request({
    hostname: upstream.hostname,
    port: upstream.port,
    agent: upstream.agent,
    method: client.method,
    path: client.url,
    headers: client.rawHeaders,
  });
  // Either side failing ends the other, as a lost connection would. A client that went away
  // (or was cut) aborts the upstream request...
  response.on('close', () => {
    if (!response.writableFinished) outgoing.destroy();
  });
  // ...and an upstream failure closes the client connection: here if the target never answered,
  // through the response pipeline below if it failed mid-answer.
  outgoing.on('error', () => {
    if (!response.headersSent) client.socket.destroy();
  });
  outgoing.on('response', (incoming) => {
    response.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, incoming.rawHeaders);
    // On failure pipeline destroys both streams, which is all there is to do.
    pipeline(incoming, response, () => {});
  });

  if (dropFraction === undefined) {
    client.pipe(outgoing);
    return;
  }
  // At least one byte, so the target has started on the body when the cut comes. Without a
  // Content-Length the length is unknown and the cut follows the first byte.
  const length = Number(client.headers['content-length'] ?? 1);
  forwardUpTo(client, outgoing, Math.max(1, Math.floor(dropFraction * length)), () => client.socket.destroy());
}

/** Forwards the first `limit` body bytes, then calls `cut` once they have been handed to the target's socket. */
function forwardUpTo(client: IncomingMessage, outgoing: ClientRequest, limit: number, cut: () => void): void {
  let sent = 0;
  const onData = (chunk: Buffer): void => {
    const room = limit - sent;
    if (chunk.length < room) {
      sent += chunk.length;
      if (!outgoing.write(chunk)) {
        client.pause();
        outgoing.once('drain', () => client.resume());
      }
      return;
    }
    client.off('data', onData);
    client.pause();
    outgoing.write(chunk.subarray(0, room), cut);
  };
  client.on('data', onData);
  // A body shorter than the limit (empty, or a short chunked one): cut at its end instead.
  client.on('end', cut);
}
