import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// What reaches the file system, in order: a power loss cannot be simulated here, so the test checks
// the sequence that makes the rename durable (rename, then a sync of the target's directory).
const calls: string[] = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      calls.push(`rename ${from} -> ${to}`);
      return actual.rename(from, to);
    },
    open: async (path: string, flags?: string) => {
      const handle = await actual.open(path, flags);
      calls.push(`open ${path}`);
      const sync = handle.sync.bind(handle);
      const close = handle.close.bind(handle);
      handle.sync = async () => {
        calls.push(`sync ${path}`);
        return sync();
      };
      handle.close = async () => {
        calls.push(`close ${path}`);
        return close();
      };
      return handle;
    },
  };
});

const { renameDurably } = await import('../../../src/server/local-oss/storage/durable-rename');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'durable-rename-'));
  calls.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('renameDurably', () => {
  it('renames, then syncs and closes the directory that holds the new name', async () => {
    const from = join(dir, 'tmp-body');
    const target = join(dir, 'objects');
    await writeFile(from, 'stored bytes');
    await mkdir(target);
    const to = join(target, 'key');

    await renameDurably(from, to);

    expect(calls).toEqual([`rename ${from} -> ${to}`, `open ${target}`, `sync ${target}`, `close ${target}`]);
    expect(await readFile(to, 'utf8')).toBe('stored bytes');
  });

  it('fails without syncing anything when the rename fails', async () => {
    await expect(renameDurably(join(dir, 'missing'), join(dir, 'key'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls).toEqual([`rename ${join(dir, 'missing')} -> ${join(dir, 'key')}`]);
  });
});
