/**
 * `limit` counts every file already selected, listed or not yet: a selection is listed in slices
 * (and may first wait for `beforeUpload`), and a second selection made meanwhile must not take the
 * list past the limit.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, unmountAll } from './mount-uploader';

afterEach(() => {
  vi.restoreAllMocks();
  unmountAll();
});

/** Fires the picker's `change` with `files` and returns without waiting for anything. */
function pickNow(input: HTMLInputElement, files: File[]): void {
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

const named = (prefix: string, count: number): File[] => Array.from({ length: count }, (_, i) => fileOf(`${prefix}-${i}.bin`, 10));

describe('limit with a selection still on its way', () => {
  test('a second selection made while the first is still being listed counts the first whole', async () => {
    const { wrapper, engine } = await mountUploader({ limit: 12 });
    // Each file takes 5 ms of the clock, so a slice (8 ms) lists two and the rest wait for later tasks.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 2.5));
    pickNow(firstFileInput(), named('first', 10));
    // Microtasks only: the first selection's first slice is listed, its other slices wait for tasks.
    for (let i = 0; i < 50 && engine.added.length === 0; i++) await Promise.resolve();
    expect(engine.added.length).toBeGreaterThan(0);
    expect(engine.added.length).toBeLessThan(10);

    pickNow(firstFileInput(), named('second', 10));
    await vi.waitFor(() => expect(engine.added).toHaveLength(12));
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(engine.added).toHaveLength(12);
    // The two selections are listed side by side; every file of the first, and two of the second.
    const names = engine.added.map((upload) => upload.file.name).sort();
    expect(names).toEqual([...named('first', 10).map((file) => file.name), 'second-0.bin', 'second-1.bin'].sort());
    expect(wrapper.emitted('reject')).toEqual(Array.from({ length: 8 }, (_, i) => [{ name: `second-${i + 2}.bin`, reason: 'limit' }]));
  });

  test('a second selection made while beforeUpload still weighs the first counts the first too', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const { wrapper, engine } = await mountUploader({
      limit: 3,
      beforeUpload: async (file: File) => {
        if (file.name.startsWith('first')) await answered;
        return true;
      },
    });
    pickNow(firstFileInput(), named('first', 3));
    await flushPromises();
    pickNow(firstFileInput(), named('second', 2));
    await flushPromises();
    answer();
    await flushPromises();
    await vi.waitFor(() => expect(engine.added).toHaveLength(3));

    expect(engine.added.map((upload) => upload.file.name)).toEqual(['first-0.bin', 'first-1.bin', 'first-2.bin']);
    expect(wrapper.emitted('reject')).toEqual([[{ name: 'second-0.bin', reason: 'limit' }], [{ name: 'second-1.bin', reason: 'limit' }]]);
  });
});
