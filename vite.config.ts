/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import { defineConfig, type BuildEnvironmentOptions } from 'vite';
import vue from '@vitejs/plugin-vue';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, requireChromium } from './test/support/browsers';

const root = import.meta.dirname;

// Builds (`npm run build`, then `npm run build:lib`):
//   npm run build                the app pages (index.html, examples/embed.html) into dist/app (npm start builds it when stale)
//   vite build --mode lib        the Vue component into dist/lib; vue, pinia, vue-i18n, ali-oss come from the host
//   vite build --mode lib-element  the <oss-uploader> custom element as one self-contained file, next to it
function libraryBuild(): BuildEnvironmentOptions {
  return {
    target: 'es2022',
    sourcemap: true,
    outDir: 'dist/lib',
    emptyOutDir: true,
    copyPublicDir: false,
    lib: {
      entry: { 'oss-uploader': resolve(root, 'src/ui/lib.ts') },
      formats: ['es'],
    },
    rollupOptions: {
      external: ['vue', 'pinia', 'vue-i18n', 'ali-oss'],
    },
  };
}

function elementBuild(): BuildEnvironmentOptions {
  return {
    target: 'es2022',
    sourcemap: true,
    outDir: 'dist/lib',
    // Runs after the component build, into the same folder.
    emptyOutDir: false,
    copyPublicDir: false,
    lib: {
      entry: { 'oss-uploader-element': resolve(root, 'src/ui/element-entry.ts') },
      formats: ['es'],
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
  plugins: [vue()],
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
  build: mode === 'lib' ? libraryBuild() : mode === 'lib-element' ? elementBuild() : appBuild(),
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
