import { randomUUID } from 'node:crypto';
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Metadata is JSON next to the data. A write goes to a temp file in `tmpDir` (same file system),
 * reaches the disk, and is renamed over the target, so a crash (of the process or of the machine)
 * leaves either the old or the new document, never half, and what was answered is kept.
 */
export async function writeJsonAtomic(path: string, value: unknown, tmpDir: string): Promise<void> {
  const tmp = join(tmpDir, `${randomUUID()}.json`);
  try {
    await writeFile(tmp, JSON.stringify(value), { flush: true });
    await renameDurably(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Renames a file that is already on disk (written with `flush`) into place and syncs the target
 * directory, so the new name survives a power loss too: OSS answers 200 only for stored data.
 */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  const dir = await open(dirname(to), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
