/** Files for the browser e2e tests to pick, and what OSS stored of them, compared by MD5. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type OSS from 'ali-oss';

export function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** `size` random bytes written to `dir/name` (`dir` created as needed): the file's path and MD5. */
export async function writeRandomFile(dir: string, name: string, size: number): Promise<{ path: string; md5: string }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const bytes = randomBytes(size);
  await writeFile(path, bytes);
  return { path, md5: md5(bytes) };
}

/** The MD5 of what `client` reads back under `key`. */
export async function storedObjectMd5(client: OSS, key: string): Promise<string> {
  const { content } = await client.get(key);
  return md5(content as Buffer);
}
