import { join, resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const HARNESS_PAGE = 'test/bench/harness/index.html';

export interface HarnessServer {
  /** Absolute URL of the harness page. */
  pageUrl: string;
  close(): Promise<void>;
}

/**
 * Serves the repository with Vite's dev server, so the harness imports `/src/engine/index.ts`
 * and `ali-oss` (its browser build) exactly as the app does. No config file: the app's plugins
 * and test settings are not needed here. Own cache dir, so runs never share pre-bundled deps.
 */
export async function startHarnessServer(cacheDir: string): Promise<HarnessServer> {
  const vite: ViteDevServer = await createServer({
    configFile: false,
    root: REPO_ROOT,
    cacheDir: join(cacheDir, 'vite-cache'),
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { entries: [HARNESS_PAGE], include: ['ali-oss', 'hash-wasm', 'idb-keyval'] },
  });
  await vite.listen();
  const origin = vite.resolvedUrls?.local[0];
  if (!origin) throw new Error('vite did not report its URL');
  return { pageUrl: new URL(HARNESS_PAGE, origin).href, close: () => vite.close() };
}
