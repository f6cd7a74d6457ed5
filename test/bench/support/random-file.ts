import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 8 * 1024 * 1024;

/**
 * Writes `size` random bytes to `path`, chunk by chunk (never all in memory). Random content, so
 * no layer on the way (disk, HTTP, browser) can shortcut it.
 */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    for (let written = 0; written < size; ) {
      const length = Math.min(CHUNK, size - written);
      randomFillSync(chunk, 0, length);
      await handle.write(chunk, 0, length);
      written += length;
    }
  } finally {
    await handle.close();
  }
}
