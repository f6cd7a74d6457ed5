/**
 * The app as `npm start` serves it, for end-to-end tests: the real stack (local OSS + STS), the
 * token endpoint at /api, and the pages through a Vite dev server, all on loopback, port 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OSS from 'ali-oss';
import { getRequestListener } from '@hono/node-server';
import vue from '@vitejs/plugin-vue';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { loadConfig, type Config } from '../../src/server/config';
import { startStack, type Stack } from '../../src/server/stack';
import { createAssumeRole, createTokenApp, loadTokenSettings, localOssTarget } from '../../src/server/token';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export interface AppStack {
  /** Origin of the pages and /api, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Scratch directory for test files and browser profiles; removed by close(). */
  tempDir: string;
  /** Client with the root key, to read back what the browser stored. */
  rootClient(): OSS;
  close(): Promise<void>;
}

function tokenEndpoint(config: Config, stack: Stack): Plugin {
  if (config.oss.mode !== 'local') throw new Error('the app stack for tests runs against the local OSS only');
  const settings = loadTokenSettings({});
  const app = createTokenApp({
    assumeRole: createAssumeRole({ ...config.oss.rootKey, endpoint: stack.stsUrl, timeoutMs: settings.stsTimeoutMs }),
    config: {
      ...settings,
      cookieSecret: 'app-stack-cookie-secret-0123456789abcdef',
      roleArn: config.roleArn,
      oss: localOssTarget({ url: stack.ossUrl, region: config.region, bucket: config.bucket }),
    },
    logger: { info: () => undefined, warn: () => undefined },
  });
  const listener = getRequestListener(app.fetch);
  return {
    name: 'token-endpoint',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url?.startsWith('/api/')) void listener(req, res);
        else next();
      });
    },
  };
}

export async function startAppStack(): Promise<AppStack> {
  const tempDir = await mkdtemp(join(tmpdir(), 'ui-app-e2e-'));
  const config = loadConfig(
    { PORT: '0', LOCAL_OSS_PORT: '0', DATA_DIR: join(tempDir, 'data'), BROWSER: 'none' },
    { cwd: REPO_ROOT },
  );
  const stack = await startStack(config);
  let vite: ViteDevServer | undefined;
  try {
    vite = await createServer({
      configFile: false,
      root: REPO_ROOT,
      cacheDir: join(tempDir, 'vite-cache'),
      logLevel: 'warn',
      plugins: [vue(), tokenEndpoint(config, stack)],
      define: { __VUE_I18N_LEGACY_API__: 'false', __VUE_I18N_FULL_INSTALL__: 'false', __INTLIFY_PROD_DEVTOOLS__: 'false' },
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
      // Everything pre-bundled up front, so no page reloads itself halfway through a test.
      optimizeDeps: { entries: ['index.html', 'embed.html'], include: ['vue', 'pinia', 'vue-i18n', 'ali-oss', 'hash-wasm', 'idb-keyval'] },
    });
    await vite.listen();
  } catch (error) {
    await stack.close();
    throw error;
  }
  const url = vite.resolvedUrls?.local[0]?.replace(/\/$/, '');
  if (!url) throw new Error('vite did not report its URL');
  const rootKey = config.oss.mode === 'local' ? config.oss.rootKey : null;
  const server = vite;
  return {
    url,
    tempDir,
    rootClient: () =>
      new OSS({
        ...rootKey,
        bucket: config.bucket,
        region: config.region,
        endpoint: stack.ossUrl,
        sldEnable: true,
      } as OSS.Options),
    async close() {
      await server.close();
      await stack.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}
