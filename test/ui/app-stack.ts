/**
 * The app exactly as `npm start` serves it, for end-to-end tests: `startStack` with the local OSS +
 * STS, the token endpoint at /api and the pages, all on loopback, free ports, a scratch data dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OSS from 'ali-oss';
import { loadConfig } from '../../src/server/config';
import { startStack } from '../../src/server/stack';
import { loadTokenSettings } from '../../src/server/token';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface AppStack {
  /** Origin of the pages and /api, e.g. http://localhost:40123 */
  url: string;
  /** Scratch directory for test files and browser profiles; removed by close(). */
  tempDir: string;
  /** Client with the root key, to read back what the browser stored. */
  rootClient(): OSS;
  close(): Promise<void>;
}

export interface AppStackOptions {
  /** `built` (default) as `npm start` serves the app; `dev` as `npm run dev` does. */
  pages?: 'built' | 'dev';
  /** The server's data directory (default: `data` in the scratch directory); removed by close(). */
  dataDir?: string;
}

export async function startAppStack(options: AppStackOptions = {}): Promise<AppStack> {
  const tempDir = await mkdtemp(join(tmpdir(), 'ui-app-e2e-'));
  const dataDir = options.dataDir ?? join(tempDir, 'data');
  const config = loadConfig({ PORT: '0', LOCAL_OSS_PORT: '0', DATA_DIR: dataDir, BROWSER: 'none' }, { cwd: REPO_ROOT });
  if (config.oss.mode !== 'local') throw new Error('the app stack for tests runs against the local OSS only');
  const rootKey = config.oss.rootKey;
  const stack = await startStack(config, {
    token: loadTokenSettings({}),
    logger: { info: () => undefined, warn: () => undefined },
    app: options.pages === 'dev' ? { pages: 'dev', cacheDir: join(tempDir, 'vite-cache') } : {},
  });
  if (!stack.app) throw new Error('the stack did not start the app');
  return {
    url: stack.app.url,
    tempDir,
    rootClient: () =>
      new OSS({ ...rootKey, bucket: config.bucket, region: config.region, endpoint: stack.ossUrl, sldEnable: true } as OSS.Options),
    async close() {
      await stack.close();
      await rm(tempDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
