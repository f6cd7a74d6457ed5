import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// What reaches the file system, in order; each directory fsync is held until the test lets it end,
// so the test decides which requests arrive while one is running.
const calls: string[] = [];
const heldSyncs: Array<() => void> = [];

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (path: string, flags?: string) => {
      const handle = await actual.open(path, flags);
      calls.push(`open ${path}`);
      const sync = handle.sync.bind(handle);
      const close = handle.close.bind(handle);
      handle.sync = async () => {
        calls.push(`sync ${path}`);
        await new Promise<void>((resolve) => heldSyncs.push(resolve));
        await sync();
        calls.push(`synced ${path}`);
      };
      handle.close = async () => {
        calls.push(`close ${path}`);
        return close();
      };
      return handle;
    },
  };
});

const { DirectorySyncs } = await import('../../../src/server/local-oss/storage/directory-sync');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'directory-sync-'));
  calls.length = 0;
  heldSyncs.length = 0;
});
afterEach(async () => {
  for (const release of heldSyncs.splice(0)) release();
  await rm(dir, { recursive: true, force: true });
});

/** Lets the fsyncs started so far finish, once they have started. */
async function releaseSyncs(count: number): Promise<void> {
  await vi.waitFor(() => expect(heldSyncs.length).toBeGreaterThanOrEqual(count));
  for (const release of heldSyncs.splice(0, count)) release();
}

describe('DirectorySyncs', () => {
  it('answers a request made during an fsync with the next fsync, which every request made meanwhile shares', async () => {
    const syncs = new DirectorySyncs();
    const settled: string[] = [];
    const first = syncs.sync(dir).then(() => settled.push('first'));
    await vi.waitFor(() => expect(calls).toContain(`sync ${dir}`));
    // These come after the first fsync began: it may not cover their changes.
    const second = syncs.sync(dir).then(() => settled.push('second'));
    const third = syncs.sync(dir).then(() => settled.push('third'));

    await releaseSyncs(1);
    await first;
    expect(settled).toEqual(['first']);
    await releaseSyncs(1);
    await Promise.all([second, third]);

    expect(settled).toEqual(['first', 'second', 'third']);
    expect(calls.filter((call) => call.startsWith('sync '))).toEqual([`sync ${dir}`, `sync ${dir}`]);
    // Not kept open: each fsync opens and closes the directory.
    expect(calls.filter((call) => call.startsWith('close'))).toHaveLength(2);
    await syncs.close();
  });

  it('keeps one handle of a long-lived directory for every fsync, and closes it on close()', async () => {
    const objects = join(dir, 'objects');
    await mkdir(objects);
    const syncs = new DirectorySyncs([objects]);
    for (let round = 0; round < 3; round++) {
      const done = syncs.sync(objects);
      await releaseSyncs(1);
      await done;
    }
    expect(calls.filter((call) => call.startsWith('open'))).toEqual([`open ${objects}`]);
    expect(calls.filter((call) => call.startsWith('synced'))).toHaveLength(3);
    expect(calls.filter((call) => call.startsWith('close'))).toEqual([]);

    await syncs.close();
    expect(calls.at(-1)).toBe(`close ${objects}`);
  });

  it('fails the requests an fsync was for when it fails, and syncs again for the next request', async () => {
    const syncs = new DirectorySyncs();
    await expect(syncs.sync(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const again = syncs.sync(dir);
    await releaseSyncs(1);
    await expect(again).resolves.toBeUndefined();
    await syncs.close();
  });
});
