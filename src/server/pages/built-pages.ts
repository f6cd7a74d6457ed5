import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { getMimeType } from 'hono/utils/mime';
import type { Pages } from './pages';

/** One file the app serves, decided when the server starts. */
interface ServedFile {
  path: string;
  size: number;
  etag: string;
  contentType: string;
  cacheControl: string;
}

/** Hashed build output never changes under its name; pages must be revalidated to pick up a new build. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * The production pages: an allow-list of the files of one app build, made once at start. A request
 * path is looked up as it was sent (no decoding, no normalising), so `/%2e…`, `..%2f` or `//x` can
 * never name a file outside the list: they simply are not in it. Source maps and dotfiles (the
 * build stamp) are left out.
 */
export async function builtPages(buildDir: string): Promise<Pages> {
  const files = await listBuild(buildDir);
  if (!files.has('/index.html')) throw new Error(`no app build in ${buildDir} (index.html is missing)`);
  files.set('/', files.get('/index.html')!);
  return {
    handle: (req, res) => void serve(files, req, res),
    close: async () => undefined,
  };
}

async function listBuild(buildDir: string): Promise<Map<string, ServedFile>> {
  const files = new Map<string, ServedFile>();
  const entries = await readdir(buildDir, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const urlPath = `/${relative(buildDir, path).split(sep).join('/')}`;
    if (urlPath.split('/').some((segment) => segment.startsWith('.')) || urlPath.endsWith('.map')) continue;
    const info = await stat(path);
    files.set(urlPath, {
      path,
      size: info.size,
      etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
      contentType: getMimeType(entry.name) ?? 'application/octet-stream',
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

async function serve(files: ReadonlyMap<string, ServedFile>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  // The query string never selects a file.
  const path = (req.url ?? '/').split('?', 1)[0]!;
  const file = files.get(path);
  if (!file) {
    sendText(res, 404, 'Not found');
    return;
  }
  res.setHeader('ETag', file.etag);
  res.setHeader('Cache-Control', file.cacheControl);
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    await pipeline(createReadStream(file.path), res);
  } catch {
    // The client went away, or the build was replaced under a running server: nothing left to answer.
    res.destroy();
  }
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}
