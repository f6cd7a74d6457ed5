import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyConnectionTimeouts, DEFAULT_CONNECTION_TIMEOUTS } from '../../src/server/http-timeouts';

const LIMITS = { headersTimeoutMs: 300, idleTimeoutMs: 300 };
/** How long a test waits for something due after about 300 ms (generous for a busy machine). */
const WITHIN_MS = 10_000;

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(listener: RequestListener): Promise<number> {
  const server = createServer(listener);
  applyConnectionTimeouts(server, LIMITS);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Client {
  socket: Socket;
  text(): string;
  closed(): boolean;
}

async function open(port: number): Promise<Client> {
  const socket = connect({ port, host: '127.0.0.1' });
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { socket, text: () => text, closed: () => closed };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the body with `for await` (paused-mode reading), then answers with the count. */
const countingListener: RequestListener = (req, res) => {
  void (async () => {
    let bytes = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) bytes += chunk.length;
    res.end(`got ${bytes}`);
  })().catch(() => undefined);
};

describe('applyConnectionTimeouts', () => {
  it('has defaults of 30 s for headers and 60 s of silence', () => {
    expect(DEFAULT_CONNECTION_TIMEOUTS).toEqual({ headersTimeoutMs: 30_000, idleTimeoutMs: 60_000 });
  });

  it('refuses limits that are not whole positive milliseconds, and a server already listening', async () => {
    expect(() => applyConnectionTimeouts(createServer(), { headersTimeoutMs: 0, idleTimeoutMs: 1000 })).toThrow(/headersTimeoutMs/);
    expect(() => applyConnectionTimeouts(createServer(), { headersTimeoutMs: 1000, idleTimeoutMs: 1.5 })).toThrow(/idleTimeoutMs/);
    expect(() => applyConnectionTimeouts(createServer(), { headersTimeoutMs: 1000, idleTimeoutMs: 2 ** 31 })).toThrow(/idleTimeoutMs/);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(() => applyConnectionTimeouts(server, LIMITS)).toThrow(/before the server listens/);
  });

  it('closes a body that stalls on the second request of a kept-alive connection', async () => {
    const port = await serve(countingListener);
    const client = await open(port);
    client.socket.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    await expect.poll(client.text, { timeout: WITHIN_MS }).toContain('got 3');
    client.socket.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
    await expect.poll(client.closed, { timeout: WITHIN_MS }).toBe(true);
    expect(client.text()).not.toContain('got 2');
  });

  it('lets a body through that comes in pieces, each within the limit, for many times the limit', async () => {
    const port = await serve(countingListener);
    const client = await open(port);
    client.socket.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n');
    for (let i = 0; i < 15; i++) {
      await sleep(100);
      client.socket.write('x');
    }
    await expect.poll(client.text, { timeout: WITHIN_MS }).toContain('got 15');
    expect(client.closed()).toBe(false);
  });

  it('waits for a handler that takes longer than the limit to start reading or to answer', async () => {
    const port = await serve((req, res) => {
      // Not reading for three periods: the body waits in socket buffers, the server is the slow side.
      setTimeout(() => countingListener(req, res), 3 * LIMITS.idleTimeoutMs);
    });
    const client = await open(port);
    const body = Buffer.alloc(1024 * 1024, 1);
    client.socket.write(`PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    client.socket.write(body);
    await expect.poll(client.text, { timeout: WITHIN_MS }).toContain(`got ${body.length}`);
    expect(client.closed()).toBe(false);
  });

  it('waits for a response the server produces slowly', async () => {
    const port = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '2' });
      res.write('a');
      setTimeout(() => res.end('b'), 3 * LIMITS.idleTimeoutMs);
    });
    const client = await open(port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(client.text, { timeout: WITHIN_MS }).toMatch(/\r\n\r\nab$/);
    expect(client.closed()).toBe(false);
  });

  it('leaves an upgraded connection (WebSocket) alone however long it is quiet', async () => {
    const port = await serve((_req, res) => res.end());
    let upgraded: Socket | undefined;
    servers[0]!.on('upgrade', (_req, socket: Socket) => {
      upgraded = socket;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    const client = await open(port);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await expect.poll(client.text, { timeout: WITHIN_MS }).toMatch(/^HTTP\/1\.1 101 /);
    await sleep(5 * LIMITS.idleTimeoutMs);
    expect(client.closed()).toBe(false);
    // Node's server.close() does not end upgraded connections.
    upgraded?.destroy();
    client.socket.destroy();
  });
});
