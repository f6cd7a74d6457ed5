import { resolve } from 'node:path';
import { appBuildDir, buildApp } from './app-build';

/** `npm run build`: the app into dist/app, stamped, exactly as `npm start` builds it when stale. */
const root = resolve(import.meta.dirname, '../../..');
buildApp({ root, outDir: appBuildDir(root) }).then(
  () => console.log(`Built the app into ${appBuildDir(root)}`),
  (error: unknown) => {
    console.error('Build failed:', error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
