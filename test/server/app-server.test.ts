/**
 * The app server on its own: the built pages' allow-list and the connection limits, with a small
 * stand-in build and a token app that echoes what it read.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppServer, type AppServer } from '../../src/server/app-server';

let dir: string;
let server: AppServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'app-server-'));
  await mkdir(join(dir, 'assets'));
  await mkdir(join(dir, 'examples'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(dir, 'examples', 'embed.html'), '<!doctype html><title>embed</title>');
  await writeFile(join(dir, 'assets', 'main-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'assets', 'main-abc123.js.map'), '{"sources":["/src/secret.ts"]}');
  await writeFile(join(dir, '.build-stamp'), 'now');
  const tokenApp = new Hono().post('/api/echo', async (c) => c.text(await c.req.text()));
  // A body cut off by the idle limit is expected here; Hono would log it as an error.
  tokenApp.onError((_error, c) => c.text('', 500));
  server = await startAppServer({
    port: 0,
    tokenApp,
    uploadOrigins: ['http://localhost:9000'],
    pages: { kind: 'built', dir },
    timeouts: { headersTimeoutMs: 300, idleTimeoutMs: 300 },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('built pages', () => {
  it('serves the files of the build with their types and cache rules', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self' http://localhost:9000");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>app</title>');
    const script = await fetch(`${server.url}/assets/main-abc123.js?v=1`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.url}/examples/embed.html`)).status).toBe(200);
  });

  it('leaves out source maps and dotfiles of the build', async () => {
    expect((await fetch(`${server.url}/assets/main-abc123.js.map`)).status).toBe(404);
    expect((await fetch(`${server.url}/.build-stamp`)).status).toBe(404);
    expect((await fetch(`${server.url}/examples/`)).status).toBe(404);
  });

  it('answers a repeated request with 304 and HEAD without a body', async () => {
    const first = await fetch(`${server.url}/index.html`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    expect((await fetch(`${server.url}/index.html`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const head = await fetch(`${server.url}/index.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('<!doctype html><title>app</title>'.length));
  });

  it('refuses other methods on pages with 405', async () => {
    const answer = await fetch(`${server.url}/index.html`, { method: 'POST', body: 'x' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET, HEAD');
  });

  it('names no websocket in the Content-Security-Policy', async () => {
    expect((await fetch(`${server.url}/`)).headers.get('content-security-policy')).not.toMatch(/\bwss?:/);
  });
});

/** Opens a raw connection, writes `chunks` (a null means: stop sending) and resolves with what came back once it closed. */
function rawExchange(port: number, chunks: Array<string | null>, gapMs = 0): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: 'localhost', port });
    let reply = '';
    const guard = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false });
    }, 10_000);
    socket.on('data', (data) => (reply += data.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ reply, closed: true });
    });
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (chunk === null) return;
        socket.write(chunk);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

describe('connection limits', () => {
  it('closes a connection whose headers do not arrive', async () => {
    const { reply, closed } = await rawExchange(server.port, ['GET / HTTP/1.1\r\nHost: localhost\r\n', null]);
    expect(closed).toBe(true);
    expect(reply).toMatch(/^HTTP\/1\.1 408|^$/);
  });

  it('closes a request whose body stops arriving', async () => {
    const head = 'POST /api/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n';
    const { reply, closed } = await rawExchange(server.port, [head, 'only ten b', null]);
    expect(closed).toBe(true);
    expect(reply).toBe('');
  });

  it('lets a slow body that keeps moving through', async () => {
    const body = 'x'.repeat(12);
    const head = `POST /api/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    // 12 chunks 100 ms apart: four times the idle limit in all, never silent for as long as it.
    const { reply } = await rawExchange(server.port, [head, ...body.split('')], 100);
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply.endsWith(body)).toBe(true);
  });
});
