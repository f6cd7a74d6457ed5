import { resolve } from 'node:path';
import { appBuildDir, ensureAppBuild } from '../../src/server/pages/app-build';

/** Vitest global setup of the e2e project: one app build before the files that serve it, never two at once. */
export default async function setup(): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  await ensureAppBuild({ root, outDir: appBuildDir(root) });
}
