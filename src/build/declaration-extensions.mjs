// Adds `.js` (or `/index.js`) to the relative imports of the emitted declarations (dist/types), which
// come from sources written for moduleResolution Bundler: without them a consumer on NodeNext
// resolution (the usual setting for a Node server) cannot follow `oss-resumable-uploader/server` past
// its first file. Usage: node src/build/declaration-extensions.mjs dist/types
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'dist/types');
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\bexport\s+\*\s+from\s*)(['"])(\.{1,2}\/[^'"]*)\2/gm;

/**
 * @param {string} file the declaration file the import stands in
 * @param {string} specifier the relative import as emitted
 * @returns {string}
 */
function withExtension(file, specifier) {
  if (/\.(js|mjs|cjs|json|vue|css)$/.test(specifier)) return specifier;
  const target = resolve(dirname(file), specifier);
  if (existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${specifier}/index.js`;
  return specifier;
}

let changed = 0;
for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = await readFile(file, 'utf8');
  const next = text.replace(SPECIFIER, (/** @type {string} */ _, /** @type {string} */ lead, /** @type {string} */ quote, /** @type {string} */ specifier) => `${lead}${quote}${withExtension(file, specifier)}${quote}`);
  if (next !== text) {
    await writeFile(file, next);
    changed += 1;
  }
}
console.log(`declaration imports: ${changed} files given .js extensions in ${root}`);
