import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DirectorySyncs } from './directory-sync';

/**
 * Renames a file that is already on disk (flushed by its writer) into place and syncs the target
 * directory, so the new name survives a power loss too: OSS answers 200 only for stored data.
 * Used for metadata (json-file). With `dirs`, the directory sync is shared with other renames
 * into the same directory made meanwhile (see DirectorySyncs).
 */
export async function renameDurably(from: string, to: string, dirs?: DirectorySyncs): Promise<void> {
  await rename(from, to);
  await syncDirectoryOf(to, dirs);
}

/** Makes the name `path` durable in its directory (after it was created or renamed there). */
export async function syncDirectoryOf(path: string, dirs?: DirectorySyncs): Promise<void> {
  if (dirs) {
    await dirs.sync(dirname(path));
    return;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
