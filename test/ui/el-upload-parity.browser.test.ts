/**
 * What Vue users who know Element Plus `el-upload` expect: beforeUpload, v-model:file-list with an
 * initial list, disabled, methods through a template ref (and on the custom element), a tip slot,
 * and a locale prop with the language select off by default.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { h, nextTick } from 'vue';
import type { OssUploaderExposed, UploadFile } from '../../src/ui/file-list';
import { defineOssUploaderElement } from '../../src/ui/custom-element';
import { uploaderI18n } from '../../src/ui/i18n';
import { FakeUploader, fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

defineOssUploaderElement();

afterEach(() => {
  vi.restoreAllMocks();
  unmountAll();
  document.body.replaceChildren();
});

function rows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('.ou-row'));
}

describe('beforeUpload', () => {
  test('false, a throw or a rejection refuses the file with reason before-upload; true lets it through', async () => {
    const beforeUpload = vi.fn(async (file: File) => {
      if (file.name === 'no.bin') return false;
      if (file.name === 'throws.bin') throw new Error('nope');
      return true;
    });
    const { wrapper, engine } = await mountUploader({ beforeUpload });
    await pickFiles(firstFileInput(), [fileOf('ok.bin'), fileOf('no.bin'), fileOf('throws.bin')]);
    expect(beforeUpload).toHaveBeenCalledTimes(3);
    expect(engine.added.map((upload) => upload.file.name)).toEqual(['ok.bin']);
    expect(wrapper.emitted('reject')).toEqual([[{ name: 'no.bin', reason: 'before-upload' }], [{ name: 'throws.bin', reason: 'before-upload' }]]);
    expect(document.querySelector('.ou-rejections')?.textContent).toContain('no.bin was not added: the page refused it.');
  });

  test('an answer with a key uploads the file under that key', async () => {
    const { engine } = await mountUploader({
      objectKey: (file) => `by-prop/${file.name}`,
      beforeUpload: (file) => (file.name === 'a.bin' ? { key: `by-hook/${file.name}` } : true),
    });
    await pickFiles(firstFileInput(), [fileOf('a.bin'), fileOf('b.bin')]);
    expect(engine.added.map((upload) => upload.options.key)).toEqual(['by-hook/a.bin', 'by-prop/b.bin']);
  });
});

describe('v-model:file-list', () => {
  test('an initial list is shown as done rows, and the read model follows every change', async () => {
    const lists: UploadFile[][] = [];
    const { engine } = await mountUploader({
      fileList: [{ name: 'old.pdf', key: 'uploads/old.pdf', size: 2048 }],
      'onUpdate:fileList': (files: UploadFile[]) => lists.push(files),
    });
    expect(rows().map((row) => [row.querySelector('.ou-row__name')?.textContent, row.dataset.state])).toEqual([['old.pdf', 'done']]);

    await pickFiles(firstFileInput(), [fileOf('a.bin', 1000)]);
    engine.added[0]?.progressTo(0.5);
    await nextTick();
    expect(lists.at(-1)).toEqual([
      { uid: 'initial-0', name: 'old.pdf', size: 2048, status: 'success', percentage: 100, key: 'uploads/old.pdf', response: { key: 'uploads/old.pdf', etag: '', crc64: '', size: 2048 } },
      { uid: 'upload-1', name: 'a.bin', size: 1000, status: 'uploading', percentage: 50 },
    ]);
    engine.added[0]?.finish({ key: 'uploads/a.bin', etag: '"e"', crc64: '1' });
    await nextTick();
    expect(lists.at(-1)?.[1]).toMatchObject({ status: 'success', percentage: 100, key: 'uploads/a.bin', response: { key: 'uploads/a.bin', etag: '"e"' } });

    // Removing the initial entry takes it out of the list too.
    rows()[0]?.querySelector<HTMLButtonElement>('[data-action=remove]')?.click();
    await nextTick();
    await nextTick();
    expect(lists.at(-1)?.map((file) => file.uid)).toEqual(['upload-1']);
  });

  test('statuses follow el-upload: ready, paused, fail', async () => {
    const lists: UploadFile[][] = [];
    const { engine } = await mountUploader({ autoStart: false, 'onUpdate:fileList': (files: UploadFile[]) => lists.push(files) });
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    await nextTick();
    expect(lists.at(-1)?.map((file) => file.status)).toEqual(['ready']);
    document.querySelector<HTMLButtonElement>('[data-action=start]')?.click();
    await flushPromises();
    engine.added[0]?.update({ state: 'paused' });
    await nextTick();
    expect(lists.at(-1)?.map((file) => file.status)).toEqual(['paused']);
    engine.added[0]?.fail({ code: 'SERVER' });
    await nextTick();
    expect(lists.at(-1)?.map((file) => file.status)).toEqual(['fail']);
  });
});

describe('disabled', () => {
  test('turns off picking, dropping and every button', async () => {
    const click = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    const { engine } = await mountUploader({ disabled: true, fileList: [{ name: 'old.pdf', key: 'k' }] });
    const zone = document.querySelector<HTMLElement>('.ou-drop__zone');
    expect(zone?.getAttribute('aria-disabled')).toBe('true');
    expect(zone?.textContent).toContain('Uploading is turned off');
    zone?.click();
    const transfer = new DataTransfer();
    transfer.items.add(fileOf('dropped.bin'));
    zone?.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    await flushPromises();
    expect(click).not.toHaveBeenCalled();
    expect(engine.added).toHaveLength(0);
    const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('.ou-uploader button'));
    expect(buttons.length).toBeGreaterThan(0);
    expect(buttons.filter((button) => !button.matches(':disabled'))).toEqual([]);
  });
});

describe('methods through a template ref', () => {
  test('submit starts what waits for Start; pauseAll, resumeAll, abort and clearFiles act on every row', async () => {
    const { wrapper, engine } = await mountUploader({ autoStart: false, fileList: [{ name: 'old.pdf', key: 'k' }] });
    const uploader = wrapper.vm as unknown as OssUploaderExposed;
    await pickFiles(firstFileInput(), [fileOf('a.bin'), fileOf('b.bin')]);
    expect(engine.added).toHaveLength(0);
    await uploader.submit();
    await flushPromises();
    expect(engine.added).toHaveLength(2);
    engine.added[0]?.progressTo(0.2);
    engine.added[1]?.update({ state: 'paused' });
    await nextTick();
    uploader.pauseAll();
    expect(engine.added.map((upload) => upload.calls)).toEqual([['pause'], []]);
    uploader.resumeAll();
    expect(engine.added.map((upload) => upload.calls)).toEqual([['pause'], ['resume']]);
    await uploader.abort('upload-1');
    expect(engine.added.map((upload) => upload.calls)).toEqual([['pause', 'cancel'], ['resume']]);
    await uploader.abort();
    expect(engine.added[1]?.calls).toEqual(['resume', 'cancel']);
    await uploader.clearFiles();
    await nextTick();
    expect(rows()).toHaveLength(0);
  });
});

describe('slots and language', () => {
  test('the tip slot sits under the drop zone', async () => {
    await mountUploader({}, new FakeUploader(), { tip: () => h('span', { class: 'my-tip' }, 'PDF only, up to 1 GB') });
    const tip = document.querySelector('.ou-tip');
    expect(tip?.textContent).toBe('PDF only, up to 1 GB');
    expect(document.querySelector('.ou-drop')?.nextElementSibling).toBe(tip);
  });

  test.each([
    ['zh-TW', '上傳中'],
    ['ja', 'アップロード中'],
    ['ko', '업로드 중'],
  ] as const)('locale="%s" speaks that language in this uploader only', async (locale, uploading) => {
    const { engine } = await mountUploader({ locale });
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.update({ state: 'uploading' });
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__state')?.textContent).toBe(uploading);
    expect(document.querySelector('.ou-uploader')?.getAttribute('lang')).toBe(locale);
    expect(uploaderI18n.global.locale.value).toBe('en');
  });

  test('the language select is off by default in the component', async () => {
    await mountUploader();
    expect(document.querySelector('.ou-language')).toBeNull();
  });
});

describe('<oss-uploader> methods', () => {
  test('the element has the same methods, and its tip slot shows', async () => {
    const engine = new FakeUploader();
    const element = document.createElement('oss-uploader');
    element.setAttribute('auto-start', 'false');
    element.innerHTML = '<span slot="tip">Images only</span>';
    Object.assign(element, { createUploader: async () => engine });
    document.body.append(element);
    await vi.waitFor(() => expect(element.shadowRoot?.querySelector('.ou-uploader')).not.toBeNull());
    const slot = element.shadowRoot?.querySelector<HTMLSlotElement>('.ou-tip slot[name=tip]');
    expect(slot?.assignedElements().map((node) => node.textContent)).toEqual(['Images only']);
    await pickFiles(element.shadowRoot!.querySelector<HTMLInputElement>('input[type=file]')!, [fileOf('a.bin')]);
    expect(typeof element.submit).toBe('function');
    await element.submit();
    await flushPromises();
    expect(engine.added).toHaveLength(1);
    engine.added[0]?.progressTo(0.3);
    await nextTick();
    element.pauseAll();
    expect(engine.added[0]?.calls).toEqual(['pause']);
  });
});
