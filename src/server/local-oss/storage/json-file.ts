import { randomUUID } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Metadata is JSON next to the data. A write goes to a temp file in `tmpDir` (same file system)
 * and is renamed over the target, so a crash leaves either the old or the new document, never half.
 */
export async function writeJsonAtomic(path: string, value: unknown, tmpDir: string): Promise<void> {
  const tmp = join(tmpDir, `${randomUUID()}.json`);
  try {
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
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
