import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { applyConnectionTimeouts, DEFAULT_CONNECTION_TIMEOUTS, type ConnectionTimeouts } from '../http-timeouts';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Sees every socket before any request is read from it (used by test tooling to cut connections). */
  onConnection?: (socket: Socket) => void;
  /** Header deadline and idle limit (see applyConnectionTimeouts). Default DEFAULT_CONNECTION_TIMEOUTS. */
  timeouts?: ConnectionTimeouts;
  /** Called with each node:http server before it listens (e.g. to answer parser errors). */
  configure?: (server: Server) => void;
}

const LOOPBACKS = ['127.0.0.1', '::1'] as const;
const PORT_ATTEMPTS = 5;

/**
 * Serves `listener` on one port of both loopback addresses, so `http://localhost:PORT` works
 * whichever family the client resolves first (Node may pick ::1, Chromium 127.0.0.1), without
 * listening on any other interface. An explicit `host` gets exactly that address. Port 0 picks a
 * free port that is free on both families.
 */
export async function listenLoopback(
  listener: RequestListener,
  port: number,
  host?: string,
  options: ListenOptions = {},
): Promise<Listening> {
  if (host !== undefined) {
    const server = await listenOne(listener, port, host, options);
    return { port: portOf(server), close: () => closeAll([server]) };
  }
  for (let attempt = 1; ; attempt++) {
    const ipv4 = await listenOne(listener, port, LOOPBACKS[0], options);
    const chosen = portOf(ipv4);
    try {
      const ipv6 = await listenOne(listener, chosen, LOOPBACKS[1], options);
      return { port: chosen, close: () => closeAll([ipv4, ipv6]) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A machine without IPv6 loopback: IPv4 alone is all `localhost` can mean there.
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return { port: chosen, close: () => closeAll([ipv4]) };
      await closeAll([ipv4]);
      if (code !== 'EADDRINUSE' || port !== 0 || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

function listenOne(listener: RequestListener, port: number, host: string, options: ListenOptions): Promise<Server> {
  // Large bodies may take long: no deadline on a whole request (Node's default 5 minutes would cut a
  // slow multi-GB upload), but one on the headers and on silence (see applyConnectionTimeouts).
  const server = createServer({ requestTimeout: 0 }, listener);
  applyConnectionTimeouts(server, options.timeouts ?? DEFAULT_CONNECTION_TIMEOUTS);
  if (options.onConnection) server.on('connection', options.onConnection);
  options.configure?.(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}

async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
