/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { defineConfig, type BuildEnvironmentOptions, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, requireChromium } from './test/support/browsers.ts';

const root = import.meta.dirname;

// Builds (`npm run build`, then `npm run build:lib` for the npm package, see docs/package.md):
//   npm run build                  the app pages (index.html, examples/embed.html) into dist/app (npm start builds it when stale)
//   vite build --mode lib          `.` and `./engine`: the Vue component and the engine into dist/lib; every
//                                  dependency is imported from the host (peer or dependency), the hashing
//                                  worker is inlined (a blob: URL), so any bundler or dev server can take it
//   vite build --mode lib-element  `./element`: <oss-uploader> as ONE ES module with its own Vue into
//                                  dist/element, its hashing worker beside it, found relative to the module
//   vite build --mode lib-server   `./server`: the token endpoint for Node 20+ into dist/server, dependencies external
const LIBRARY_MODES = ['lib', 'lib-element', 'lib-server'];

/** What the package's `dependencies` and `peerDependencies` provide: imported, never bundled into `.`/`./engine`. */
const HOST_PROVIDED = /^(vue|pinia|vue-i18n|ali-oss|hash-wasm|idb-keyval|@tanstack\/vue-virtual)(\/|$)/;

/**
 * In the `.` build, the engine's `new Worker(new URL('./crc64.worker.ts', import.meta.url))` becomes
 * Vite's inline worker (`?worker&inline`: the bundled worker started from a blob: URL). A worker file
 * beside the module would have to be found again by the host's bundler, and dev servers that pre-bundle
 * dependencies (Vite's optimizer) move the module away from it, so hashing would quietly fall back to
 * the main thread. The build fails if the expression is not found, rather than ship a broken worker.
 */
function inlineHashWorker(): Plugin {
  const file = resolve(root, 'src/engine/integrity/crc64.ts');
  const expression = /new Worker\(new URL\('\.\/crc64\.worker\.ts', import\.meta\.url\), \{ type: 'module' \}\)/;
  return {
    name: 'oss-uploader:inline-hash-worker',
    enforce: 'pre',
    transform(code, id) {
      if (id !== file) return null;
      if (!expression.test(code)) this.error('src/engine/integrity/crc64.ts no longer starts its worker with new Worker(new URL(\'./crc64.worker.ts\', import.meta.url), { type: \'module\' }): update inlineHashWorker in vite.config.ts');
      return { code: `import InlineCrc64Worker from './crc64.worker.ts?worker&inline';\n${code.replace(expression, 'new InlineCrc64Worker()')}`, map: null };
    },
  };
}

/** The uploader's stylesheet as `oss-uploader.css`, for hosts that load styles themselves (the component also injects it). */
function uploaderStylesheet(): Plugin {
  return {
    name: 'oss-uploader:stylesheet',
    apply: 'build',
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'oss-uploader.css', source: await readFile(resolve(root, 'src/ui/styles/uploader.css'), 'utf8') });
    },
  };
}

function libraryBuild(): BuildEnvironmentOptions {
  return {
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outDir: 'dist/lib',
    emptyOutDir: true,
    copyPublicDir: false,
    lib: {
      // One build, so the component's lazily loaded engine is the `./engine` entry itself.
      entry: { 'oss-uploader': resolve(root, 'src/ui/lib.ts'), engine: resolve(root, 'src/engine/index.ts') },
      formats: ['es'],
    },
    rolldownOptions: {
      external: (id) => HOST_PROVIDED.test(id),
      // Whitespace too (Vite's ES library default keeps it); /* @__PURE__ */ annotations stay for the host's tree shaking.
      output: { minify: { codegen: true } },
    },
  };
}

function elementBuild(): BuildEnvironmentOptions {
  return {
    target: 'es2022',
    minify: true,
    // Written for debugging here, not referenced from the module and not in the npm package (4 MB, mostly ali-oss).
    sourcemap: 'hidden',
    outDir: 'dist/element',
    emptyOutDir: true,
    copyPublicDir: false,
    // The worker beside the module (with `base: './'` it is found through `import.meta.url`).
    assetsDir: '',
    lib: {
      entry: { 'oss-uploader-element': resolve(root, 'src/ui/element-entry.ts') },
      formats: ['es'],
    },
    rolldownOptions: {
      // ONE module: ali-oss and the engine, loaded lazily in the app, are inlined here.
      output: { codeSplitting: false, minify: true },
    },
  };
}

function serverBuild(): BuildEnvironmentOptions {
  return {
    target: 'node20',
    minify: false,
    sourcemap: true,
    outDir: 'dist/server',
    emptyOutDir: true,
    copyPublicDir: false,
    // An SSR build: Node built-ins and every package in node_modules stay imports.
    ssr: resolve(root, 'src/server/package.ts'),
    rolldownOptions: {
      output: { format: 'es', entryFileNames: 'index.js', chunkFileNames: '[name]-[hash].js' },
    },
  };
}

function appBuild(): BuildEnvironmentOptions {
  return {
    target: 'es2022',
    // Into dist/app, beside dist/lib. Maps are written for debugging but not referenced from the
    // bundle, and the app server does not serve them.
    outDir: 'dist/app',
    sourcemap: 'hidden',
    // ali-oss's browser build alone is about 600 kB minified; it is loaded once and cached.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: { main: resolve(root, 'index.html'), embed: resolve(root, 'examples/embed.html') },
    },
  };
}

// One config for the app build and for Vitest. Test environments are chosen by file name:
//   test/**/*.test.ts          Node (servers, pure engine logic; fake-indexeddb where needed)
//   test/**/*.e2e.test.ts      Node driving Debian's Chromium through playwright-core against real local servers
//   test/ui/**/*.browser.test.ts  Vue components in Debian's Chromium (Vitest browser mode)
export default defineConfig(({ mode }) => ({
  plugins: [vue(), ...(mode === 'lib' ? [inlineHashWorker(), uploaderStylesheet()] : [])],
  // Library builds find their files (the element's worker) relative to the module, wherever it is served from.
  ...(LIBRARY_MODES.includes(mode) ? { base: './' } : {}),
  define: {
    // vue-i18n's bundler flags: Composition API only, no devtools hooks in production.
    __VUE_I18N_LEGACY_API__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    // The self-contained element bundle has no host bundler to replace this later.
    ...(mode === 'lib-element' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {}),
  },
  // Pre-bundled at start-up, so the dev server never reloads a page halfway through an upload.
  optimizeDeps: {
    entries: ['index.html', 'examples/embed.html'],
    include: ['vue', 'pinia', 'vue-i18n', 'ali-oss', 'hash-wasm', 'idb-keyval'],
  },
  build:
    mode === 'lib' ? libraryBuild() : mode === 'lib-element' ? elementBuild() : mode === 'lib-server' ? serverBuild() : appBuild(),
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.e2e.test.ts', 'test/**/*.browser.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/**/*.e2e.test.ts'],
          // The app as `npm start` serves it, built once before any file starts a stack.
          globalSetup: ['test/support/build-app.global.ts'],
          // Each e2e file starts its own servers and a Chromium; on 2 cores, one file at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        // Pre-bundled together, so @vue/test-utils and the components share one copy of Vue.
        optimizeDeps: { include: ['vue', 'pinia', 'vue-i18n', '@vue/test-utils'] },
        test: {
          name: 'browser',
          include: ['test/ui/**/*.browser.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            // Looked up when the browser starts, so builds and Node-only test runs never need one.
            provider: playwright({
              launchOptions: {
                get executablePath() {
                  return requireChromium();
                },
                args: CHROMIUM_ARGS,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
}));
