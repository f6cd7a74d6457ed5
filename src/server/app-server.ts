import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { applyConnectionTimeouts, DEFAULT_CONNECTION_TIMEOUTS, type ConnectionTimeouts } from './http-timeouts';
import { builtPages } from './pages/built-pages';
import { devPages } from './pages/dev-pages';
import type { Pages } from './pages/pages';

/**
 * The one origin the browser talks to: the app's pages and the token endpoint (`/api/*`, Hono) on
 * the same port, so the uploader cookie is first-party and no proxy sits between page and token
 * endpoint. Pages come from an allow-list of the built app; `dev` puts Vite (hot reload) there instead.
 */
export interface AppServerOptions {
  port: number;
  /** Loopback by default: the local stack is for this machine. `0.0.0.0` (or `::`) listens on every interface. */
  host?: string;
  tokenApp: Hono;
  /** Origins the page may send uploads to (the OSS endpoint), for the Content-Security-Policy. */
  uploadOrigins: string[];
  pages: BuiltPagesSource | DevPagesSource;
  /** Headers and idle-body limits (default DEFAULT_CONNECTION_TIMEOUTS), as for the local OSS. */
  timeouts?: ConnectionTimeouts;
}

export interface BuiltPagesSource {
  kind: 'built';
  /** The app build (`dist/app`), listed once at start. */
  dir: string;
}

export interface DevPagesSource {
  kind: 'dev';
  /** Project root (index.html, vite.config.ts). */
  root: string;
  /** Denied even when it lies inside the root. */
  dataDir: string;
  /** Vite's dependency cache (default node_modules/.vite). */
  cacheDir?: string;
}

export interface AppServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const host = options.host ?? 'localhost';
  const api = getRequestListener(options.tokenApp.fetch);
  const server = createServer();
  applyConnectionTimeouts(server, options.timeouts ?? DEFAULT_CONNECTION_TIMEOUTS);
  const source = options.pages;
  const pages: Pages =
    source.kind === 'built'
      ? await builtPages(source.dir)
      : await devPages({ root: source.root, dataDir: source.dataDir, server, ...(source.cacheDir ? { cacheDir: source.cacheDir } : {}) });
  let csp = '';

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/api/')) {
      void api(req, res);
      return;
    }
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    pages.handle(req, res);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => resolve());
    });
  } catch (error) {
    await pages.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  csp = contentSecurityPolicy({ uploadOrigins: options.uploadOrigins, hotReload: source.kind === 'dev' ? `ws://localhost:${port}` : null });
  return {
    url,
    port,
    async close() {
      await pages.close();
      await closeServer(server);
    },
  };
}

/**
 * Scripts only from this origin; uploads only to this origin (token endpoint) and the OSS
 * endpoint. `wasm-unsafe-eval` lets hash-wasm compile its CRC-64/MD5 modules; inline styles are
 * needed by Vue's scoped styles in development and by the custom element's shadow root. The
 * hot-reload websocket is named only in development, and only its own origin.
 */
export function contentSecurityPolicy(options: { uploadOrigins: string[]; hotReload: string | null }): string {
  const connect = ["'self'", ...options.uploadOrigins.map((u) => new URL(u).origin), ...(options.hotReload ? [options.hotReload] : [])];
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** Where this machine reaches the server: wildcard addresses are reached through localhost. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((err) => (err ? reject(err) : resolve()));
  });
}
