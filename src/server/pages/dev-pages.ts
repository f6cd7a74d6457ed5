import type { Server } from 'node:http';
import { join, relative, isAbsolute } from 'node:path';
import type { ViteDevServer } from 'vite';
import { sendText } from './built-pages';
import type { Pages } from './pages';

export interface DevPagesOptions {
  /** Project root (index.html, vite.config.ts). */
  root: string;
  /** The server's data directory (root key, token secrets, objects): never served, even when inside the root. */
  dataDir: string;
  /** The app server, for Vite's hot-reload websocket. */
  server: Server;
  /** Vite's dependency cache (default node_modules/.vite). */
  cacheDir?: string;
}

/**
 * What the pages import while developing: the UI, the engine and shared code, Vite's own modules,
 * pre-bundled dependencies and the public folder. Everything else below the root (the servers'
 * source, tests, the data directory, dotfiles, package.json) answers 404 before Vite sees it.
 */
const DEV_PREFIXES = ['/src/ui/', '/src/engine/', '/src/shared/', '/examples/', '/@vite/', '/@id/', '/@fs/', '/node_modules/.vite/', '/node_modules/vite/dist/client/'];
const DEV_FILES = new Set(['/', '/index.html', '/favicon.svg']);

/** `npm run dev`: Vite's dev server (hot reload) behind the allow-list above, with CORS off. */
export async function devPages(options: DevPagesOptions): Promise<Pages> {
  const { createServer } = await import('vite');
  const inRoot = (dir: string): string | null => {
    const rel = relative(options.root, dir);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : rel;
  };
  const dataInRoot = inRoot(options.dataDir);
  const vite: ViteDevServer = await createServer({
    root: options.root,
    configFile: join(options.root, 'vite.config.ts'),
    appType: 'mpa',
    logLevel: 'warn',
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    server: {
      middlewareMode: true,
      hmr: { server: options.server },
      // The page is same-origin with its modules; no other origin has reason to read them.
      cors: false,
      fs: {
        strict: true,
        allow: ['src/ui', 'src/engine', 'src/shared', 'examples', 'public', 'index.html', 'node_modules'].map((p) => join(options.root, p)),
        deny: ['.env', '.env.*', '*.{crt,pem,key}', '**/.git/**', '**/.data/**', ...(dataInRoot ? [`${dataInRoot}/**`] : [])],
      },
    },
  });
  return {
    handle(req, res) {
      if (!devPathAllowed(req.url ?? '/', dataInRoot)) {
        sendText(res, 404, 'Not found');
        return;
      }
      vite.middlewares(req, res, () => sendText(res, 404, 'Not found'));
    },
    close: () => vite.close(),
  };
}

/** Checked on the decoded, dot-free path, so `/%2edata/…` or `/src/ui/../server/…` cannot slip through. */
export function devPathAllowed(url: string, dataDirInRoot: string | null): boolean {
  let path: string;
  try {
    path = decodeURIComponent(url.split('?', 1)[0]!);
  } catch {
    return false;
  }
  const segments = path.split('/');
  // Vite's own cache folder is the only dot segment a page asks for.
  const dotted = segments.some((s, i) => s === '..' || s === '.' || (s.startsWith('.') && !(i === 2 && s === '.vite' && segments[1] === 'node_modules')));
  if (dotted || path.includes('\\') || path.includes('//')) return false;
  if (dataDirInRoot !== null && path.startsWith(`/${dataDirInRoot.split('\\').join('/')}`)) return false;
  return DEV_FILES.has(path) || DEV_PREFIXES.some((prefix) => path.startsWith(prefix));
}
