/**
 * A fault-injection HTTP proxy for reliability tests: it sits between the browser and the local
 * OSS server and, as the test asks through `setFaults`, cuts uploads mid-body, answers OSS errors,
 * delays, stalls, or plays dead. Faults come only from this API, never from a request. Decisions
 * come from a seeded generator, so a failing run can be replayed with its seed.
 */
import { Agent, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { chooseFault } from './fault-proxy/choose';
import { matches, mergeFaults, NO_FAULTS, type FaultConfig } from './fault-proxy/config';
import { forward, type Upstream } from './fault-proxy/forward';
import { listenLoopback } from '../../src/server/local-oss/listen';
import { sendOssError } from './fault-proxy/oss-error';
import { seededRandom } from './fault-proxy/random';
import { StatsCounter, type ProxyStats } from './fault-proxy/stats';

export { NO_FAULTS, type FaultConfig, type FaultMatch } from './fault-proxy/config';
export type { ErrorStatus } from './fault-proxy/oss-error';
export type { ProxyStats, RequestCounts } from './fault-proxy/stats';

export interface FaultProxyOptions {
  /** The server behind the proxy, an http origin such as `http://localhost:9000`. */
  target: string;
  /** Default: both loopback addresses, so `localhost` works for every client. */
  host?: string;
  /** Default 1. */
  seed?: number;
}

export interface FaultProxy {
  /** `http://localhost:PORT` (or the given host), to use in place of the target's URL. */
  url: string;
  port: number;
  /** Changes only the given settings; applies to requests that arrive afterwards. */
  setFaults(faults: Partial<FaultConfig>): void;
  stats(): ProxyStats;
  close(): Promise<void>;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = upstreamOf(options.target);
  const random = seededRandom(options.seed ?? 1);
  const counter = new StatsCounter();
  const sockets = new Set<Socket>();
  let faults: Readonly<FaultConfig> = NO_FAULTS;

  const listener: RequestListener = (request, response) => {
    const method = request.method ?? 'GET';
    counter.count(method, 'seen');
    if (!matches(faults.match, method, request.url ?? '/')) {
      counter.count(method, 'forwarded');
      forward(request, response, upstream);
      return;
    }
    // Decided on arrival, so the outcome depends only on the seed and the order of requests.
    const fault = chooseFault(faults, random);
    afterDelay(faults.latencyMs, response, () => {
      switch (fault.kind) {
        case 'none':
          counter.count(method, 'forwarded');
          forward(request, response, upstream);
          return;
        case 'drop':
          counter.count(method, 'dropped');
          forward(request, response, upstream, fault.fraction);
          return;
        case 'error':
          counter.count(method, 'errored');
          // The body is read first: a client still sending would not see the answer.
          void drain(request).then((complete) => {
            if (complete) sendOssError(request, response, fault.status);
          });
          return;
        case 'stall':
          counter.count(method, 'stalled');
          void drain(request).then((complete) => {
            if (complete && fault.ms !== null) afterDelay(fault.ms, response, () => request.socket.destroy());
          });
          return;
      }
    });
  };

  const onConnection = (socket: Socket): void => {
    if (faults.down) {
      counter.refused();
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const listening = await listenLoopback(listener, 0, options.host, { onConnection });
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost(options.host)}:${listening.port}`,
    port: listening.port,
    setFaults(patch) {
      faults = mergeFaults(faults, patch);
      // A dead server takes its open connections, idle keep-alive ones included, down with it.
      if (faults.down) for (const socket of sockets) socket.destroy();
    },
    stats: () => counter.snapshot(),
    // Safe to call twice: a test may close the proxy mid-test and again in its cleanup.
    close() {
      closed ??= (async () => {
        for (const socket of sockets) socket.destroy();
        await listening.close();
        upstream.agent.destroy();
      })();
      return closed;
    },
  };
}

function upstreamOf(target: string): Upstream {
  const url = new URL(target);
  if (url.protocol !== 'http:' || url.pathname !== '/' || url.search !== '') {
    throw new Error(`target must be an http origin such as http://localhost:9000, got ${target}`);
  }
  return {
    // `[::1]` → `::1`: http.request wants the bare address.
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 80),
    agent: new Agent({ keepAlive: true }),
  };
}

/** Runs `then` after `ms`, unless the client has gone away by then. */
function afterDelay(ms: number, response: ServerResponse, then: () => void): void {
  if (ms === 0) {
    then();
    return;
  }
  const timer = setTimeout(then, ms);
  response.on('close', () => clearTimeout(timer));
}

/** Reads and discards the body; false when the client went away before sending all of it. */
function drain(request: IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    request.on('end', () => resolve(true));
    // After 'end' this changes nothing; before it, the client gave up mid-body.
    request.on('close', () => resolve(false));
    request.resume();
  });
}

function urlHost(host: string | undefined): string {
  if (host === undefined) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
