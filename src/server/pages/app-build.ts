import { randomBytes } from 'node:crypto';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Everything the app build reads: when any of it is newer than the build, the build is stale. */
const SOURCES = ['index.html', 'examples', 'public', 'src/ui', 'src/engine', 'src/shared', 'vite.config.ts', 'package.json', 'package-lock.json'];
/**
 * Written last, so a build that was cut halfway never counts as done. It holds the newest source
 * time seen *before* the build began: a source saved while the build runs is newer than that, so
 * the next start builds again instead of serving a build made from the older text.
 */
const STAMP = '.build-stamp';

export interface AppBuildOptions {
  /** Project root: where index.html and vite.config.ts are. */
  root: string;
  /** Where the built app lives (`dist/app`). */
  outDir: string;
  log?: (line: string) => void;
}

/** `dist/app` below the project root: where `npm run build` puts the app and `npm start` serves it from. */
export function appBuildDir(root: string): string {
  return join(root, 'dist', 'app');
}

/**
 * Builds the app when there is no build or a source is newer than it, so `npm start` always serves
 * what the sources say without a dev server. The build goes to a scratch folder first and replaces
 * the old one only when complete, so a server never lists a half-written build.
 */
export async function ensureAppBuild(options: AppBuildOptions): Promise<void> {
  const builtFrom = await readStamp(join(options.outDir, STAMP));
  const newest = await newestSourceMtime(options.root);
  if (builtFrom !== null && builtFrom >= newest) return;
  options.log?.(builtFrom === null ? 'Building the app (first start)…' : 'Sources changed since the last build: rebuilding the app…');
  await buildApp(options);
}

export async function buildApp(options: AppBuildOptions): Promise<void> {
  const sourcesMtimeMs = await newestSourceMtime(options.root);
  const scratch = `${options.outDir}.tmp-${randomBytes(4).toString('hex')}`;
  // Vite is loaded only here: a server that finds a fresh build never pulls in the build tools.
  const { build } = await import('vite');
  try {
    await build({
      root: options.root,
      configFile: join(options.root, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: scratch, emptyOutDir: true },
    });
    await writeFile(join(scratch, STAMP), `${JSON.stringify({ sourcesMtimeMs, builtAt: new Date().toISOString() })}\n`);
    const old = `${options.outDir}.old-${randomBytes(4).toString('hex')}`;
    await rename(options.outDir, old).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(scratch, options.outDir);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function newestSourceMtime(root: string): Promise<number> {
  let newest = 0;
  for (const source of SOURCES) {
    const path = join(root, source);
    const info = await stat(path).catch(() => null);
    if (!info) continue;
    newest = Math.max(newest, info.mtimeMs);
    if (!info.isDirectory()) continue;
    for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) {
      const mtime = await mtimeOf(join(entry.parentPath, entry.name));
      if (mtime !== null) newest = Math.max(newest, mtime);
    }
  }
  return newest;
}

/** The source time a build was made from; null when there is no build or its stamp is unreadable. */
async function readStamp(path: string): Promise<number | null> {
  try {
    const { sourcesMtimeMs } = JSON.parse(await readFile(path, 'utf8')) as { sourcesMtimeMs?: unknown };
    return typeof sourcesMtimeMs === 'number' ? sourcesMtimeMs : null;
  } catch {
    return null;
  }
}

async function mtimeOf(path: string): Promise<number | null> {
  const info = await stat(path).catch(() => null);
  return info ? info.mtimeMs : null;
}
