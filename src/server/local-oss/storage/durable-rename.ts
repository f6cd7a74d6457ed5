import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Renames a file that is already on disk (flushed by its writer) into place and syncs the target
 * directory, so the new name survives a power loss too: OSS answers 200 only for stored data.
 * Used for bodies (blob-store) and metadata (json-file) alike.
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
