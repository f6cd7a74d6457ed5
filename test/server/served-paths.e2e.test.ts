/**
 * What the app origin answers for paths it never meant to serve, as `npm start` (built app) and
 * `npm run dev` (Vite) run it, with the data directory inside the project root as by default.
 * Requests go out raw (node:http), so `..`, `%2e` and `//` reach the server exactly as written.
 */
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppStack, type AppStack } from '../ui/app-stack';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** Another local port: a page the developer happens to have open elsewhere. */
const OTHER_ORIGIN = 'http://localhost:3999';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function rawGet(base: string, path: string, origin?: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((done, fail) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers: origin ? { Origin: origin } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * The files at the top of the data directory (where every secret lives), by their path relative to
 * the project root, with their content. The stores below it (objects, the records database) are
 * many files of no secret; their folders are covered by the same paths.
 */
async function dataFiles(dataDir: string): Promise<Array<{ urlPath: string; content: string }>> {
  const entries = await readdir(dataDir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => ({ urlPath: `/${relative(REPO_ROOT, file)}`, content: (await readFile(file, 'utf8')).trim() })));
}

/** Paths that must answer 404 on either server, in plain and encoded spellings. */
function forbiddenPaths(dataUrlPath: string): string[] {
  const [, top = '', ...rest] = dataUrlPath.split('/');
  const encodedTop = top.replace(/^\./, '%2e');
  const tail = rest.join('/');
  return [
    dataUrlPath,
    `/${encodedTop}/${tail}`,
    `/${top}%2f${rest.join('%2f')}`,
    `/${top}%2F${rest.join('%2F')}`,
    `//${top}/${tail}`,
    `/./${top}/${tail}`,
    `/assets/../${top}/${tail}`,
    `/assets/..%2f${top}%2f${rest.join('%2f')}`,
    `/src/ui/..%2f..%2f${top}/${tail}`,
    `/%2e%2e/${top}/${tail}`,
    '/.git/config',
    '/%2egit/config',
    '/package.json',
    '//package.json',
    '/assets/..%2f..%2fpackage.json',
    '/src/ui/..%2f..%2fpackage.json',
    '/src/ui/../../package.json',
    '/src/server/config.ts',
    '/src/server/token/app.ts',
    '/src/ui/..%2fserver%2fconfig.ts',
    '/test/ui/app-stack.ts',
    '/node_modules/vite/package.json',
    '/vite.config.ts',
    '/tsconfig.json',
    '/dist/app/index.html',
  ];
}

describe.each([
  { pages: 'built' as const, allowed: ['/', '/index.html', '/examples/embed.html', '/favicon.svg'] },
  // In development the UI's own sources are what Vite serves; the servers' are not.
  { pages: 'dev' as const, allowed: ['/', '/index.html', '/examples/embed.html', '/src/ui/main.ts', '/src/engine/index.ts'] },
])('the app origin ($pages pages)', ({ pages, allowed }) => {
  let app: AppStack;
  let secrets: Array<{ urlPath: string; content: string }>;
  let scratch: string;

  beforeAll(async () => {
    // Inside the project root, below a dot folder, as the default `./.data` is.
    scratch = join(REPO_ROOT, '.tmp', `served-paths-${randomBytes(4).toString('hex')}`);
    const dataDir = join(scratch, '.data');
    app = await startAppStack({ pages, dataDir });
    // One token request writes the token and cookie secrets, as a first visit does.
    expect((await fetch(`${app.url}/api/sts`)).status).toBe(200);
    secrets = await dataFiles(dataDir);
  });

  afterAll(async () => {
    await app?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('has secrets in its data directory to protect (the test would prove nothing otherwise)', () => {
    const names = secrets.map((s) => s.urlPath.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(['credentials.json', 'token-secret', 'token-cookie-secret', 'callback-private-key.pem']));
  });

  it('serves its pages (positive control), without CORS headers for another origin', async () => {
    for (const path of allowed) {
      const answer = await rawGet(app.url, path, OTHER_ORIGIN);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['access-control-allow-origin'], path).toBeUndefined();
    }
  });

  it('lets pages connect to no websocket but, in development, its own hot-reload origin', async () => {
    const csp = String((await rawGet(app.url, '/')).headers['content-security-policy'] ?? '');
    const connectSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src')) ?? '';
    const sockets = connectSrc.split(/\s+/).filter((source) => /^wss?:/.test(source));
    expect(sockets).toEqual(pages === 'dev' ? [app.url.replace(/^http:/, 'ws:')] : []);
  });

  it('answers 404 for the data directory, the repository and the sources, plain or encoded, with or without an Origin', async () => {
    const paths = new Set(secrets.flatMap((s) => forbiddenPaths(s.urlPath)));
    for (const path of paths) {
      for (const origin of [undefined, OTHER_ORIGIN]) {
        const answer = await rawGet(app.url, path, origin);
        expect(answer.status, `${path} (Origin ${origin ?? 'none'})`).toBe(404);
        expect(answer.headers['access-control-allow-origin'], path).toBeUndefined();
        for (const secret of secrets.filter((s) => s.content.length >= 16)) {
          expect(answer.body.includes(secret.content), `${secret.urlPath} in the answer to ${path}`).toBe(false);
        }
      }
    }
  });
});
