import { afterEach, describe, expect, test } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import type { BeforeUploadResult } from '../../src/ui/file-list';
import { fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

afterEach(unmountAll);

describe('per-file options from beforeUpload', () => {
  test('{ meta } reaches the engine with the file; metadata OSS would refuse refuses the file', async () => {
    const { wrapper, engine } = await mountUploader({
      beforeUpload: (file: File): BeforeUploadResult =>
        file.name === 'bad.txt' ? { meta: { Project: 'x' } } : { key: `k/${file.name}`, meta: { project: 'alpha' } },
    });
    await pickFiles(firstFileInput(), [fileOf('good.txt', 10), fileOf('bad.txt', 10)]);
    await flushPromises();
    expect(engine.added.map((upload) => [upload.file.name, upload.options])).toEqual([['good.txt', { key: 'k/good.txt', meta: { project: 'alpha' } }]]);
    expect(wrapper.emitted('reject')).toEqual([[{ name: 'bad.txt', reason: 'before-upload' }]]);
  });
});
