/**
 * App bundle size: builds the app (`vite build`, the project's config) into a temp dir and reports
 * - the first-load JS: what index.html loads before anything is clicked (its module scripts and
 *   modulepreload links), each file gzipped on its own as a server would send it;
 * - the lazily loaded ali-oss chunk (and any chunk only it needs), which must stay out of the above.
 * Gzip is node:zlib at its default level (6), the usual server setting.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatSize } from './support/figures';
import type { BenchRow, BenchSuite } from './types';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const ALI_OSS_SOURCE = 'node_modules/ali-oss/';

/** The fields of Vite's build manifest (`.vite/manifest.json`) used here. */
interface ManifestChunk {
  file: string;
  isDynamicEntry?: boolean;
  imports?: string[];
}
type Manifest = Record<string, ManifestChunk>;

export const run: BenchSuite = async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'bench-bundle-'));
  try {
    await viteBuild(outDir);
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const manifest = JSON.parse(await readFile(join(outDir, '.vite/manifest.json'), 'utf8')) as Manifest;

    const firstLoad = firstLoadScripts(html);
    if (firstLoad.length === 0) throw new Error('index.html of the build references no JS');
    const firstLoadSizes = await Promise.all(firstLoad.map((file) => sizesOf(outDir, file)));

    const aliOssKey = Object.keys(manifest).find((key) => key.startsWith(ALI_OSS_SOURCE));
    const aliOss = aliOssKey === undefined ? undefined : manifest[aliOssKey];
    const rows: BenchRow[] = [
      {
        name: 'first-load JS of index.html (gzip)',
        value: formatSize(sum(firstLoadSizes.map((s) => s.gzip))),
        note: `${firstLoad.length} files (module scripts + modulepreload), ${formatSize(sum(firstLoadSizes.map((s) => s.raw)))} minified: ${firstLoad.join(', ')}`,
      },
    ];
    if (!aliOss) {
      rows.push({ name: 'lazy ali-oss chunk (gzip)', value: 'not found', note: `no chunk built from ${ALI_OSS_SOURCE} in the manifest` });
      return rows;
    }
    const inFirstLoad = firstLoad.includes(aliOss.file);
    // Chunks the ali-oss import pulls in that the first load has not already fetched.
    const extra = (aliOss.imports ?? []).map((key) => manifest[key]?.file).filter((file): file is string => !!file && !firstLoad.includes(file));
    const aliSizes = await Promise.all([aliOss.file, ...extra].map((file) => sizesOf(outDir, file)));
    rows.push({
      name: 'lazy ali-oss chunk (gzip)',
      value: formatSize(sum(aliSizes.map((s) => s.gzip))),
      note: `${inFirstLoad ? 'WRONGLY part of the first load; ' : aliOss.isDynamicEntry ? 'dynamic import, not preloaded; ' : ''}${formatSize(sum(aliSizes.map((s) => s.raw)))} minified: ${[aliOss.file, ...extra].join(', ')}`,
    });
    return rows;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};

/** `vite build` of the app with the project's config, plus a manifest to find chunks by source. */
async function viteBuild(outDir: string): Promise<void> {
  const child = spawn('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--manifest', '--logLevel', 'error'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (piece: Buffer) => (stderr += String(piece)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`vite build failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
}

/** JS files the page loads at once: `<script type="module" src>` and `<link rel="modulepreload" href>`, in order. */
function firstLoadScripts(html: string): string[] {
  const files: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const isModuleScript = tag.startsWith('<script') && /\btype="module"/.test(tag);
    const isPreload = tag.startsWith('<link') && /\brel="modulepreload"/.test(tag);
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if ((isModuleScript || isPreload) && url && !/^(?:[a-z]+:)?\/\//i.test(url)) files.push(url.replace(/^\//, ''));
  }
  return [...new Set(files)];
}

async function sizesOf(outDir: string, file: string): Promise<{ raw: number; gzip: number }> {
  const bytes = await readFile(join(outDir, file));
  return { raw: bytes.length, gzip: gzipSync(bytes).length };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
