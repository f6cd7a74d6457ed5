import { randomBytes } from 'node:crypto';
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_FAULTS, startFaultProxy, type FaultConfig, type FaultProxy, type ProxyStats } from './fault-proxy';

const MiB = 1024 * 1024;
const PART = '/bucket/big.bin?partNumber=1&uploadId=u1';

/**
 * A body larger than the most the kernel can hold in a connection's send and receive buffers, so a
 * client can only finish sending it if the proxy reads it.
 */
const UNBUFFERABLE = maxBufferBytes('tcp_rmem') + maxBufferBytes('tcp_wmem') + 8 * MiB;

function maxBufferBytes(setting: 'tcp_rmem' | 'tcp_wmem'): number {
  try {
    return Number(readFileSync(`/proc/sys/net/ipv4/${setting}`, 'utf8').trim().split(/\s+/)[2] ?? 32 * MiB);
  } catch {
    // Not Linux: Linux's usual ceilings are generous for other systems too.
    return 32 * MiB;
  }
}

/** What the target saw of one request; `bytes`, `complete` and `answered` change as it goes. */
interface TargetRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
  /** The whole body arrived. */
  complete: boolean;
  /** The response was sent in full. */
  answered: boolean;
  closed: boolean;
}

/**
 * The server behind the proxy. By default it echoes the body back with a 201 and a few OSS-like
 * headers; `/hold` never answers; `/cut` fails mid-response.
 */
class Target {
  readonly requests: TargetRequest[] = [];
  readonly #server: Server;
  readonly #waiters = new Set<() => void>();

  private constructor(server: Server) {
    this.#server = server;
    server.on('request', (req: IncomingMessage, res) => {
      const seen: TargetRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bytes: 0,
        complete: false,
        answered: false,
        closed: false,
      };
      this.requests.push(seen);
      req.on('data', (chunk: Buffer) => {
        seen.bytes += chunk.length;
        this.#notify();
      });
      req.on('end', () => (seen.complete = true));
      res.on('close', () => {
        seen.answered = res.writableFinished;
        seen.closed = true;
        this.#notify();
      });
      this.#notify();
      if (req.url === '/hold') {
        req.resume();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('0123456789', () => res.destroy());
      } else {
        res.writeHead(201, 'Created', ['ETag', '"etag-1"', 'x-oss-request-id', 'TARGET-ID', 'x-multi', 'a', 'x-multi', 'b']);
        req.pipe(res);
      }
    });
  }

  static async start(): Promise<Target> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Target(server);
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Resolves once `condition` holds, checked whenever the target sees something happen. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }

  reset(): void {
    this.requests.length = 0;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #notify(): void {
    for (const check of [...this.#waiters]) check();
  }
}

interface Reply {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}
type Outcome = Reply | { error: string };

interface SendOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
  agent?: Agent;
}

/** One request; a connection failure, before or during the response, resolves as `{ error }`. */
function send(url: string, options: SendOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      res.on('close', () => {
        if (!res.complete) resolve({ error: 'aborted' });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end(options.body);
  });
}

function replyOf(outcome: Outcome): Reply {
  if ('error' in outcome) throw new Error(`request failed: ${outcome.error}`);
  return outcome;
}

const putPart = (proxy: FaultProxy, n: number, agent: Agent, body = Buffer.alloc(1024, n)): Promise<Outcome> =>
  send(`${proxy.url}/bucket/big.bin?partNumber=${n}&uploadId=u1`, { method: 'PUT', body, agent });

/** Sends `count` part uploads one after another; true where the upload did not come back as the target's 201. */
async function failurePattern(proxy: FaultProxy, count: number): Promise<boolean[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const failed: boolean[] = [];
  for (let n = 1; n <= count; n++) {
    const outcome = await putPart(proxy, n, agent);
    failed.push('error' in outcome || outcome.status !== 201);
  }
  agent.destroy();
  return failed;
}

let target: Target;
let proxy: FaultProxy;

beforeAll(async () => {
  target = await Target.start();
});

afterAll(async () => {
  await target.close();
});

beforeEach(async () => {
  target.reset();
  proxy = await startFaultProxy({ target: target.url, seed: 42 });
});

afterEach(async () => {
  await proxy.close();
});

describe('pass-through', () => {
  it('streams a 5 MiB body both ways byte-identical, keeping status, headers and Host', async () => {
    const body = randomBytes(5 * MiB);
    const head = 64 * 1024;
    const received: Buffer[] = [];
    let responded: IncomingMessage | undefined;
    const done = new Promise<void>((resolve, reject) => {
      const req = request(`${proxy.url}${PART}`, {
        method: 'PUT',
        agent: false,
        headers: {
          'Content-Length': body.length,
          'Content-Type': 'application/octet-stream',
          Authorization: 'OSS STS.id:signature',
          'x-oss-security-token': 'token',
          Origin: 'http://localhost:5173',
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        responded = res;
        res.on('data', (chunk: Buffer) => received.push(chunk));
        res.on('end', resolve);
        res.on('error', reject);
        // Only now the rest: the target got the first bytes and its echo came back before the
        // client had sent the whole body, so neither direction was buffered whole.
        req.end(body.subarray(head));
      });
      req.write(body.subarray(0, head));
    });
    await done;

    expect(Buffer.concat(received).equals(body)).toBe(true);
    expect(responded?.statusCode).toBe(201);
    expect(responded?.statusMessage).toBe('Created');
    expect(responded?.headers.etag).toBe('"etag-1"');
    expect(responded?.headers['x-oss-request-id']).toBe('TARGET-ID');
    expect(responded?.rawHeaders.filter((_, i, raw) => raw[i - 1] === 'x-multi')).toEqual(['a', 'b']);
    const [seen] = target.requests;
    expect(seen).toMatchObject({ method: 'PUT', url: PART, bytes: body.length, complete: true });
    expect(seen?.headers).toMatchObject({
      host: `localhost:${proxy.port}`,
      authorization: 'OSS STS.id:signature',
      'x-oss-security-token': 'token',
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      origin: 'http://localhost:5173',
    });
    expect(proxy.stats()).toMatchObject({ seen: 1, forwarded: 1, byMethod: { PUT: { seen: 1, forwarded: 1 } } });
  });

  it('answers on IPv4 and IPv6 loopback behind http://localhost:PORT', async () => {
    expect(proxy.url).toBe(`http://localhost:${proxy.port}`);
    expect(replyOf(await send(`http://127.0.0.1:${proxy.port}/x`)).status).toBe(201);
    const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === '::1'));
    const viaIpv6 = await send(`http://[::1]:${proxy.port}/x`);
    expect('error' in viaIpv6 ? viaIpv6.error : viaIpv6.status).toBe(hasIpv6Loopback ? 201 : 'ECONNREFUSED');
  });

  it('aborts the upstream request when the client gives up mid-body', async () => {
    // `/hold` never answers, so only the client side can end this request.
    const req = request(`${proxy.url}/hold`, { method: 'PUT', agent: false, headers: { 'Content-Length': MiB } });
    req.on('error', () => {});
    req.write(Buffer.alloc(64 * 1024));
    await target.until(() => (target.requests[0]?.bytes ?? 0) > 0);
    req.destroy();
    await target.until(() => target.requests[0]?.closed === true);
    expect(target.requests[0]?.complete).toBe(false);
  });

  it('cuts the client off when the target fails mid-response', async () => {
    const outcome = await send(`${proxy.url}/cut`);
    expect(outcome).toHaveProperty('error');
  });
});

describe('faults', () => {
  it('errorRate 1 answers every part upload with OSS error XML without reaching the target; 0 answers none', async () => {
    proxy.setFaults({ errorRate: 1 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let n = 1; n <= 10; n++) {
      const reply = replyOf(await putPart(proxy, n, agent));
      expect(reply.status).toBe(503);
      const requestId = reply.headers['x-oss-request-id'];
      expect(requestId).toMatch(/^[0-9A-F]{24}$/);
      expect(reply.body.toString()).toContain(`<Code>ServiceUnavailable</Code>`);
      expect(reply.body.toString()).toContain(`<RequestId>${requestId}</RequestId>`);
      expect(reply.headers['access-control-allow-origin']).toBe('*');
      expect(reply.headers['access-control-expose-headers']).toBe('ETag, x-oss-request-id, x-oss-hash-crc64ecma');
    }
    expect(target.requests).toHaveLength(0);

    // Settings merge: changing another one keeps the error rate.
    proxy.setFaults({ errorStatus: 500, latencyMs: 0 });
    const withOrigin = replyOf(
      await send(`${proxy.url}${PART}`, { method: 'PUT', body: Buffer.alloc(10), headers: { Origin: 'http://app.test' }, agent }),
    );
    expect(withOrigin.status).toBe(500);
    expect(withOrigin.body.toString()).toContain('<Code>InternalError</Code>');
    expect(withOrigin.headers['access-control-allow-origin']).toBe('http://app.test');

    proxy.setFaults({ errorRate: 0 });
    expect(await failurePattern(proxy, 10)).toEqual(Array(10).fill(false));
    agent.destroy();
    expect(proxy.stats()).toMatchObject({ seen: 21, errored: 11, forwarded: 10, byMethod: { PUT: { errored: 11 } } });
  });

  it('answers an injected error only after reading the whole body', async () => {
    proxy.setFaults({ errorRate: 1 });
    const body = Buffer.alloc(UNBUFFERABLE);
    let bodySent = false;
    const answer = await new Promise<{ status: number; afterBody: boolean }>((resolve, reject) => {
      const req = request(`${proxy.url}${PART}`, { method: 'PUT', agent: false, headers: { 'Content-Length': body.length } });
      req.on('finish', () => (bodySent = true));
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, afterBody: bodySent });
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(answer).toEqual({ status: 503, afterBody: true });
  });

  const rates: { name: string; faults: Partial<FaultConfig>; outcome: keyof ProxyStats }[] = [
    { name: 'errorRate', faults: { errorRate: 0.5 }, outcome: 'errored' },
    { name: 'dropMidBodyRate', faults: { dropMidBodyRate: 0.5 }, outcome: 'dropped' },
    { name: 'stallRate', faults: { stallRate: 0.5, stallMs: 0 }, outcome: 'stalled' },
  ];
  it.each(rates)('$name 0.5 hits about half of 200 part uploads', async ({ faults, outcome }) => {
    proxy.setFaults(faults);
    const failed = (await failurePattern(proxy, 200)).filter(Boolean).length;
    expect(failed).toBeGreaterThanOrEqual(60);
    expect(failed).toBeLessThanOrEqual(140);
    const stats = proxy.stats();
    expect(stats[outcome]).toBe(failed);
    expect(stats.forwarded).toBe(200 - failed);
    // Dropped uploads reach the target too, incomplete; errors and stalls never do.
    const reaching = outcome === 'dropped' ? 200 : 200 - failed;
    await target.until(() => target.requests.length === reaching && target.requests.every((seen) => seen.closed));
    expect(target.requests.filter((seen) => seen.complete)).toHaveLength(200 - failed);
  });

  it('repeats the same fault pattern for the same seed', async () => {
    proxy.setFaults({ errorRate: 0.5 });
    const first = await failurePattern(proxy, 40);
    const again = await startFaultProxy({ target: target.url, seed: 42 });
    const other = await startFaultProxy({ target: target.url, seed: 43 });
    try {
      again.setFaults({ errorRate: 0.5 });
      other.setFaults({ errorRate: 0.5 });
      expect(await failurePattern(again, 40)).toEqual(first);
      expect(await failurePattern(other, 40)).not.toEqual(first);
    } finally {
      await Promise.all([again.close(), other.close()]);
    }
  });

  it('dropMidBody cuts the client after part of the body, and the target sees the request aborted', async () => {
    proxy.setFaults({ dropMidBodyRate: 1 });
    const body = randomBytes(5 * MiB);
    const outcome = await send(`${proxy.url}${PART}`, { method: 'PUT', body });
    expect(outcome).toHaveProperty('error');
    await target.until(() => target.requests[0]?.closed === true);
    const [seen] = target.requests;
    expect(seen?.complete).toBe(false);
    expect(seen?.bytes).toBeGreaterThan(0);
    expect(seen?.bytes).toBeLessThan(body.length);
    expect(proxy.stats()).toMatchObject({ dropped: 1, forwarded: 0 });
  });

  it('stall reads the whole body and sends nothing until stallMs is over', async () => {
    proxy.setFaults({ stallRate: 1, stallMs: 20 });
    expect(await rawPut(proxy.port, UNBUFFERABLE, () => {})).toEqual({ bodySent: true, received: 0 });
    expect(target.requests).toHaveLength(0);
    expect(proxy.stats()).toMatchObject({ stalled: 1, forwarded: 0 });
  });

  it('stall without stallMs stays silent until the connection ends', async () => {
    proxy.setFaults({ stallRate: 1, stallMs: null });
    // The whole body was accepted and nothing came back; only closing the proxy ends the connection.
    expect(await rawPut(proxy.port, UNBUFFERABLE, () => void proxy.close())).toEqual({ bodySent: true, received: 0 });
    expect(target.requests).toHaveLength(0);
  });

  it('latency holds matching requests back while others pass', async () => {
    proxy.setFaults({ latencyMs: 3_600_000 });
    const req = request(`${proxy.url}${PART}`, { method: 'PUT', agent: false, headers: { 'Content-Length': 4 } });
    req.on('error', () => {});
    req.end('data');
    expect(replyOf(await send(`${proxy.url}/bucket/other.bin`, { method: 'PUT', body: Buffer.from('x') })).status).toBe(201);
    await eventually(() => proxy.stats().seen === 2);
    expect(proxy.stats().forwarded).toBe(1);
    expect(target.requests.map((seen) => seen.url)).toEqual(['/bucket/other.bin']);
    req.destroy();

    proxy.setFaults({ latencyMs: 1 });
    expect(replyOf(await send(`${proxy.url}${PART}`, { method: 'PUT', body: Buffer.from('late') })).body.toString()).toBe('late');
  });

  it('faults only matching requests, and never OPTIONS preflights', async () => {
    proxy.setFaults({ errorRate: 1 });
    const statusOf = async (method: string, path: string): Promise<number> =>
      replyOf(await send(`${proxy.url}${path}`, { method, body: method === 'PUT' ? Buffer.from('x') : undefined })).status;
    // Default match: PUT with partNumber.
    expect(await statusOf('PUT', PART)).toBe(503);
    expect(await statusOf('PUT', '/bucket/whole.bin')).toBe(201);
    expect(await statusOf('POST', '/bucket/big.bin?partNumber=1')).toBe(201);
    expect(await statusOf('OPTIONS', PART)).toBe(201);

    proxy.setFaults({ match: { method: 'post', query: 'uploads' } });
    expect(await statusOf('POST', '/bucket/big.bin?uploads')).toBe(503);
    expect(await statusOf('PUT', PART)).toBe(201);

    proxy.setFaults({ match: {} });
    expect(await statusOf('GET', '/bucket/big.bin')).toBe(503);
    expect(await statusOf('OPTIONS', '/bucket/big.bin')).toBe(201);
    expect(proxy.stats().byMethod.OPTIONS).toMatchObject({ seen: 2, forwarded: 2, errored: 0 });
  });

  it('down refuses connections and cuts open ones, then recovers', async () => {
    const hold = send(`${proxy.url}/hold`);
    await target.until(() => target.requests.length === 1);

    proxy.setFaults({ down: true });
    expect(await hold).toHaveProperty('error');
    await target.until(() => target.requests[0]?.closed === true);
    expect(target.requests[0]?.answered).toBe(false);
    expect(await send(`${proxy.url}/bucket/x`)).toHaveProperty('error');
    expect(proxy.stats().refusedConnections).toBeGreaterThanOrEqual(1);
    expect(target.requests).toHaveLength(1);

    proxy.setFaults({ down: false });
    expect(replyOf(await send(`${proxy.url}/bucket/x`)).status).toBe(201);
  });

  it('rejects settings outside their range, changing nothing', async () => {
    expect(() => proxy.setFaults({ errorRate: 1.5 })).toThrow(RangeError);
    expect(() => proxy.setFaults({ latencyMs: Number.NaN })).toThrow(RangeError);
    expect(() => proxy.setFaults({ errorRate: 1, stallMs: -1 })).toThrow(RangeError);
    expect(replyOf(await send(`${proxy.url}${PART}`, { method: 'PUT', body: Buffer.from('x') })).status).toBe(201);
  });

  it('NO_FAULTS turns every fault off again', async () => {
    proxy.setFaults({ errorRate: 1, match: {} });
    proxy.setFaults(NO_FAULTS);
    expect(replyOf(await send(`${proxy.url}${PART}`, { method: 'PUT', body: Buffer.from('x') })).status).toBe(201);
  });
});

/**
 * A part upload over a bare socket, so every byte the proxy sends back is counted. Calls
 * `onBodySent` once the whole body is written, and resolves when the connection closes.
 */
function rawPut(port: number, size: number, onBodySent: () => void): Promise<{ bodySent: boolean; received: number }> {
  return new Promise((resolve) => {
    let bodySent = false;
    let ended = false;
    let received = 0;
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    // A reset ends the connection as well as a close does.
    socket.on('error', () => (ended = true));
    socket.on('close', () => resolve({ bodySent, received }));
    socket.write(`PUT ${PART} HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Length: ${size}\r\n\r\n`);
    // Node calls this even when the connection was reset first, so it counts only before that.
    socket.write(Buffer.alloc(size), () => {
      if (ended) return;
      bodySent = true;
      onBodySent();
    });
  });
}

/** For states only the proxy's counters show: checks again on each timer tick until `condition` holds. */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}
