import { randomUUID } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirectorySyncs } from './directory-sync';
import { renameDurably } from './durable-rename';

/**
 * Metadata is JSON next to the data. A write goes to a temp file in `tmpDir` (same file system),
 * reaches the disk, and is renamed over the target, so a crash (of the process or of the machine)
 * leaves either the old or the new document, never half, and what was answered is kept.
 */
export async function writeJsonAtomic(path: string, value: unknown, tmpDir: string, dirs?: DirectorySyncs): Promise<void> {
  const tmp = join(tmpDir, `${randomUUID()}.json`);
  try {
    await writeFile(tmp, JSON.stringify(value), { flush: true });
    await renameDurably(tmp, path, dirs);
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
