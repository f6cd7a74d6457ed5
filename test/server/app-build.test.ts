/**
 * `npm start` builds the app only when there is no build or a source is newer than it: checked on a
 * tiny project of its own, built by the real Vite.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBuildDir, ensureAppBuild } from '../../src/server/pages/app-build';

let root: string;
const lines: string[] = [];
const build = (): Promise<void> => ensureAppBuild({ root, outDir: appBuildDir(root), log: (line) => lines.push(line) });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'app-build-'));
  await mkdir(join(root, 'src', 'ui'), { recursive: true });
  await writeFile(join(root, 'vite.config.ts'), 'export default { logLevel: "silent", build: { outDir: "dist/app" } };\n');
  await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="/src/ui/main.ts"></script>\n');
  await writeFile(join(root, 'src', 'ui', 'main.ts'), 'document.title = "first";\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function builtScript(): Promise<string> {
  const assets = join(appBuildDir(root), 'assets');
  const [file] = (await readdir(assets)).filter((name) => name.endsWith('.js'));
  return readFile(join(assets, file!), 'utf8');
}

describe('ensureAppBuild', () => {
  it('builds when there is no build, and leaves no scratch folder behind', async () => {
    await build();
    expect(lines).toEqual(['Building the app (first start)…']);
    expect(await builtScript()).toContain('first');
    expect((await readdir(join(root, 'dist'))).sort()).toEqual(['app']);
  });

  it('does nothing when no source is newer than the build', async () => {
    const stamp = await stat(join(appBuildDir(root), '.build-stamp'));
    await build();
    expect(lines).toHaveLength(1);
    expect((await stat(join(appBuildDir(root), '.build-stamp'))).mtimeMs).toBe(stamp.mtimeMs);
  });

  it('rebuilds when a source changed since', async () => {
    const source = join(root, 'src', 'ui', 'main.ts');
    await writeFile(source, 'document.title = "second";\n');
    // A time clearly after the build, whatever the file system's timestamp resolution.
    const later = new Date(Date.now() + 5_000);
    await utimes(source, later, later);
    await build();
    expect(lines.at(-1)).toBe('Sources changed since the last build: rebuilding the app…');
    expect(await builtScript()).toContain('second');
  });

  it('rebuilds when a build was cut halfway (no stamp)', async () => {
    await rm(join(appBuildDir(root), '.build-stamp'));
    await build();
    expect(lines.at(-1)).toBe('Building the app (first start)…');
    expect(await stat(join(appBuildDir(root), '.build-stamp'))).toBeTruthy();
  });
});

describe('a source saved while a build runs', () => {
  it('is built on the next start, not hidden behind a stamp newer than it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'app-build-race-'));
    try {
      await mkdir(join(dir, 'src', 'ui'), { recursive: true });
      await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="/src/ui/main.ts"></script>\n');
      await writeFile(join(dir, 'src', 'ui', 'main.ts'), 'document.title = "first";\n');
      await writeFile(join(dir, 'save-during-build'), '');
      // Once, after the build has read main.ts and before its stamp is written, main.ts is saved anew.
      await writeFile(
        join(dir, 'vite.config.ts'),
        `import { existsSync, rmSync, writeFileSync } from 'node:fs';
export default {
  logLevel: 'silent',
  plugins: [{
    name: 'save-during-build',
    generateBundle() {
      if (!existsSync(${JSON.stringify(join(dir, 'save-during-build'))})) return;
      rmSync(${JSON.stringify(join(dir, 'save-during-build'))});
      writeFileSync(${JSON.stringify(join(dir, 'src', 'ui', 'main.ts'))}, 'document.title = "second";\\n');
    },
  }],
};
`,
      );
      const options = { root: dir, outDir: appBuildDir(dir) };
      await ensureAppBuild(options);
      const script = async (): Promise<string> => {
        const assets = join(appBuildDir(dir), 'assets');
        const [file] = (await readdir(assets)).filter((name) => name.endsWith('.js'));
        return readFile(join(assets, file!), 'utf8');
      };
      expect(await script()).toContain('first');
      await ensureAppBuild(options);
      expect(await script()).toContain('second');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
