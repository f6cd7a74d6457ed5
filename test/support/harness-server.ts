import { join, resolve } from 'node:path';
import { createServer, type PluginOption, type ViteDevServer } from 'vite';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface HarnessServer {
  /** Absolute URL of the harness page. */
  pageUrl: string;
  close(): Promise<void>;
}

export interface HarnessServerOptions {
  /** The harness page, relative to the repository root, e.g. `test/bench/harness/index.html`. */
  page: string;
  /** Scratch folder; Vite's dependency cache goes below it, so runs never share pre-bundled deps. */
  tempDir: string;
  plugins?: PluginOption[];
}

/**
 * Serves the repository with Vite's dev server, so a harness page imports `/src/engine/index.ts`
 * and `ali-oss` (its browser build) exactly as the app does. No config file: the app's plugins and
 * test settings are not needed here. Dependencies are pre-bundled at start, so Vite never reloads
 * the page halfway through an upload.
 */
export async function startHarnessServer(options: HarnessServerOptions): Promise<HarnessServer> {
  const vite: ViteDevServer = await createServer({
    configFile: false,
    root: REPO_ROOT,
    cacheDir: join(options.tempDir, 'vite-cache'),
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { entries: [options.page], include: ['ali-oss', 'hash-wasm', 'idb-keyval'] },
    plugins: options.plugins ?? [],
  });
  await vite.listen();
  const origin = vite.resolvedUrls?.local[0];
  if (!origin) {
    await vite.close();
    throw new Error('vite did not report its URL');
  }
  return { pageUrl: new URL(options.page, origin).href, close: () => vite.close() };
}
