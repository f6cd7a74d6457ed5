import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ViteDevServer } from 'vite';

/**
 * The one origin the browser talks to: the Vue app (served by Vite) and the token endpoint
 * (`/api/*`, Hono) on the same port, so the uploader cookie is first-party and no proxy sits
 * between page and token endpoint.
 */
export interface AppServerOptions {
  port: number;
  /** Loopback by default: the demo stack is for this machine. */
  host?: string;
  tokenApp: Hono;
  /** Project root (where index.html and vite.config.ts are). */
  root: string;
  /** Origins the page may send uploads to (the OSS endpoint), for the Content-Security-Policy. */
  uploadOrigins: string[];
  /** Live reload while editing; tests turn it off so no page reloads halfway through. */
  hmr?: boolean;
  /** Vite's dependency cache (default node_modules/.vite); tests use a scratch folder. */
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
  const csp = contentSecurityPolicy(options.uploadOrigins);
  const server = createServer();
  // Vite is loaded lazily so that production embedders of the token app never pull it in.
  const { createServer: createVite } = await import('vite');
  const vite: ViteDevServer = await createVite({
    root: options.root,
    configFile: `${options.root}/vite.config.ts`,
    appType: 'mpa',
    logLevel: 'warn',
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    server: options.hmr === false ? { middlewareMode: true, hmr: false, watch: null } : { middlewareMode: true, hmr: { server } },
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/api/')) {
      void api(req, res);
      return;
    }
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    vite.middlewares(req, res, () => {
      res.statusCode = 404;
      res.end('Not found');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    async close() {
      await vite.close();
      await closeServer(server);
    },
  };
}

/**
 * Scripts only from this origin; uploads only to this origin (token endpoint) and the OSS
 * endpoint. `wasm-unsafe-eval` lets hash-wasm compile its CRC-64/MD5 modules; inline styles are
 * needed by Vue's scoped styles in development and by the custom element's shadow root.
 */
export function contentSecurityPolicy(uploadOrigins: string[]): string {
  const connect = ["'self'", 'ws:', ...uploadOrigins.map((u) => new URL(u).origin)];
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

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((err) => (err ? reject(err) : resolve()));
  });
}
