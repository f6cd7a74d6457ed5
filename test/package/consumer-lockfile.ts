/**
 * A package-lock.json for a throwaway consumer app, taken from this repository's own lockfile, so that
 * `npm ci --offline` installs the packed tarball and everything it needs from the npm cache that the
 * repository's `npm ci` filled (which holds the tarballs, not the registry's metadata, so a plain
 * `npm install --offline` cannot resolve version ranges).
 */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

export interface RepoLock {
  packages: Record<string, LockEntry>;
}

export interface PackedPackage {
  /** package.json of the packed package. */
  manifest: LockEntry & { name: string; version: string };
  /** e.g. `file:../oss-resumable-uploader-0.1.0.tgz`, relative to the consumer app. */
  resolved: string;
  integrity: string;
}

export interface ConsumerManifest {
  name: string;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Where Node would find `name` when required from the package installed at `from` (`''` = the root). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === '') return null;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

export function consumerLockfile(repoLock: RepoLock, consumer: ConsumerManifest, packed: PackedPackage): object {
  const source = repoLock.packages;
  const packedPath = `node_modules/${packed.manifest.name}`;
  const { name, version, dependencies, peerDependencies, peerDependenciesMeta, engines } = packed.manifest;
  const packages: Record<string, LockEntry> = {
    '': { name: consumer.name, dependencies: consumer.dependencies, ...(consumer.devDependencies ? { devDependencies: consumer.devDependencies } : {}) },
    [packedPath]: { name, version, resolved: packed.resolved, integrity: packed.integrity, dependencies, peerDependencies, peerDependenciesMeta, engines },
  };
  const queue: Array<{ from: string; name: string; optional: boolean }> = [];
  const want = (from: string, entry: LockEntry): void => {
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push({ from, name: dep, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push({ from, name: dep, optional: true });
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) queue.push({ from, name: dep, optional: false });
    }
  };
  want('', { dependencies: { ...consumer.dependencies, ...consumer.devDependencies } });
  want(packedPath, packages[packedPath]!);
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (next.name === packed.manifest.name) continue;
    // The packed package's own dependencies resolve as from the repository root.
    const from = next.from === packedPath ? '' : next.from;
    const path = locate(source, from, next.name);
    if (path === null) {
      if (next.optional) continue;
      throw new Error(`${next.name} (needed by ${next.from || 'the consumer'}) is not in the repository's package-lock.json`);
    }
    if (packages[path]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = source[path]!;
    // This repository's lockfile leaves out registry URLs; with one (and the integrity) npm reads the tarball from the cache.
    packages[path] = entry.resolved || !entry.version ? entry : { ...entry, resolved: registryTarball(entry.name as string | undefined ?? packageName(path), entry.version) };
    want(path, entry);
  }
  return { name: consumer.name, lockfileVersion: 3, requires: true, packages };
}

function packageName(path: string): string {
  return path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

function registryTarball(name: string, version: string): string {
  const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`;
}
