/**
 * "Your uploads" is reloaded after finished uploads, but not once per file: thousands of small
 * files finishing one after another would ask the server for the list (and sign a download link
 * per item) back to back. The first finished file reloads it at once, later ones at most once per
 * interval, and the last one is always shown. The page's clock is held still here, so nothing
 * depends on how fast this machine runs the test.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  unmountAll();
});

const FILES = 30;

describe('"Your uploads" while many files finish', () => {
  test('reloads once for the first finished file, then once more after the interval, not once per file', async () => {
    let now = 100_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const requests: string[] = [];
    vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
      requests.push(String(input));
      return Response.json({ uploads: [], nextCursor: null });
    });
    const { engine } = await mountUploader({ showUploads: true, uploadsUrl: '/api/uploads' });
    await vi.waitFor(() => expect(requests).toHaveLength(1)); // the panel's first page, on mount
    await pickFiles(firstFileInput(), Array.from({ length: FILES }, (_, i) => fileOf(`f${i}.bin`)));

    for (const upload of engine.added) {
      upload.finish();
      // Each reload the panel asked for has time to finish before the next file does.
      await flushPromises();
    }
    expect(requests).toHaveLength(2);

    now += 2_000; // the interval has passed: the files finished since are shown
    await vi.waitFor(() => expect(requests).toHaveLength(3), { timeout: 10_000 });
    await flushPromises();
    expect(requests).toHaveLength(3);
  });
});
