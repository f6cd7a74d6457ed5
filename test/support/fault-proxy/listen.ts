import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

const LOOPBACKS = ['127.0.0.1', '::1'] as const;
const PORT_ATTEMPTS = 5;

/**
 * Serves on a free port of both loopback addresses, so `http://localhost:PORT` works whichever
 * family the client resolves first (Node may pick ::1, Chromium 127.0.0.1), as the local OSS
 * server does. An explicit `host` gets exactly that address. `onConnection` sees every socket
 * before any request is read from it.
 */
export async function listenLoopback(
  listener: RequestListener,
  onConnection: (socket: Socket) => void,
  host?: string,
): Promise<Listening> {
  if (host !== undefined) {
    const server = await listenOne(listener, onConnection, 0, host);
    return { port: portOf(server), close: () => closeAll([server]) };
  }
  for (let attempt = 1; ; attempt++) {
    const ipv4 = await listenOne(listener, onConnection, 0, LOOPBACKS[0]);
    const port = portOf(ipv4);
    try {
      const ipv6 = await listenOne(listener, onConnection, port, LOOPBACKS[1]);
      return { port, close: () => closeAll([ipv4, ipv6]) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Without an IPv6 loopback, IPv4 is all `localhost` can mean.
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return { port, close: () => closeAll([ipv4]) };
      await closeAll([ipv4]);
      // The port was free on IPv4 only; another free one will do.
      if (code !== 'EADDRINUSE' || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

function listenOne(
  listener: RequestListener,
  onConnection: (socket: Socket) => void,
  port: number,
  host: string,
): Promise<Server> {
  // No request timeout: a multi-GB upload through a slow, faulty network may take long.
  const server = createServer({ requestTimeout: 0 }, listener);
  server.on('connection', onConnection);
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
