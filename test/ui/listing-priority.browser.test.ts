/**
 * A selection of thousands of files is listed in slices; between two slices the page's other
 * tasks must get their turn, above all the network answers the first uploads wait for (their
 * credentials, their PUTs). Here a timer task queued during the first slice stands for them: it
 * must run before the listing ends, in Debian's Chromium, where `scheduler.yield()` would have let
 * every remaining slice go first.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { defineUploadStore } from '../../src/ui/store/upload-store';
import { FakeUploader, fileOf } from './fake-uploader';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('listing a large selection', () => {
  test('lets a task queued during the first slice run before the last slice', async () => {
    setActivePinia(createPinia());
    const engine = new FakeUploader();
    const store = defineUploadStore('listing-priority', async () => engine)();
    await store.start();
    // Every file uses a whole slice of the clock, so each is listed in a task of its own.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 10));
    const files = Array.from({ length: 50 }, (_, i) => fileOf(`f${i}.bin`));

    const adding = store.addFiles(files, { autoStart: true });
    let listedWhenTheTimerRan: number | null = null;
    setTimeout(() => (listedWhenTheTimerRan = engine.added.length), 0);
    await adding;

    expect(engine.added).toHaveLength(files.length);
    expect(listedWhenTheTimerRan).not.toBeNull();
    expect(listedWhenTheTimerRan!).toBeLessThan(files.length);
  });
});
