import { afterEach, describe, expect, test, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { h, nextTick } from 'vue';
import type { RowAction } from '../../src/ui/components/UploadRow.vue';
import type { UploadRow as UploadRowData } from '../../src/ui/store/upload-row';
import type { UploadState } from '../../src/engine/contracts';
import { FakeUploader, fileOf, unfinishedUpload } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  unmountAll();
});

function actionsOf(row: Element | null | undefined): string[] {
  return Array.from(row?.querySelectorAll('button[data-action]') ?? []).map((button) => button.getAttribute('data-action') ?? '');
}

function rows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('.ou-list > .ou-row'));
}

describe('picking files', () => {
  test('the first file input on the page is the multiple-file picker', async () => {
    await mountUploader();
    const input = firstFileInput();
    expect(input.multiple).toBe(true);
    expect(input.hasAttribute('webkitdirectory')).toBe(false);
    expect(document.querySelector('input[webkitdirectory]')).not.toBeNull();
  });

  test('picked files start uploading at once', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin'), fileOf('b.bin')]);
    expect(engine.added.map((upload) => upload.file.name)).toEqual(['a.bin', 'b.bin']);
    expect(rows().map((row) => row.dataset.state)).toEqual(['queued', 'queued']);
  });

  test('dropped files start uploading at once', async () => {
    const { engine } = await mountUploader();
    const transfer = new DataTransfer();
    transfer.items.add(fileOf('dropped.bin'));
    document.querySelector('.ou-drop__zone')?.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(engine.added.map((upload) => upload.file.name)).toEqual(['dropped.bin']));
  });

  test('with autoStart off a file waits for Start', async () => {
    const { engine } = await mountUploader({ autoStart: false });
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    expect(engine.added).toHaveLength(0);
    expect(actionsOf(rows()[0])).toEqual(['start', 'remove']);
    rows()[0]?.querySelector<HTMLButtonElement>('[data-action=start]')?.click();
    await flushPromises();
    expect(engine.added).toHaveLength(1);
  });

  test('files over maxSize or limit are refused with a reason', async () => {
    const { wrapper, engine } = await mountUploader({ maxSize: 100, limit: 1 });
    await pickFiles(firstFileInput(), [fileOf('big.bin', 101), fileOf('ok.bin', 10), fileOf('extra.bin', 10)]);
    expect(engine.added.map((upload) => upload.file.name)).toEqual(['ok.bin']);
    expect(wrapper.emitted('reject')).toEqual([[{ name: 'big.bin', reason: 'size' }], [{ name: 'extra.bin', reason: 'limit' }]]);
    expect(document.querySelector('.ou-rejections')?.textContent).toContain('big.bin was not added: it is larger than 100 B.');
  });

  test('without showOpenFilePicker, Enter and Space on the focused drop zone open the file input', async () => {
    vi.stubGlobal('showOpenFilePicker', undefined);
    const click = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    await mountUploader();
    const zone = document.querySelector<HTMLElement>('.ou-drop__zone');
    zone?.focus();
    expect(document.activeElement).toBe(zone);
    zone?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    zone?.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    expect(click).toHaveBeenCalledTimes(2);
    expect(click.mock.contexts.every((input) => input === firstFileInput())).toBe(true);
  });
});

describe('a row per file', () => {
  const buttonsPerState: Array<[UploadState, string[]]> = [
    ['queued', ['pause', 'cancel']],
    ['preparing', ['pause', 'cancel']],
    ['uploading', ['pause', 'cancel']],
    ['paused', ['resume', 'cancel']],
    ['completing', []],
    ['done', ['remove']],
    ['failed', ['retry', 'cancel']],
    ['canceled', ['remove']],
  ];

  test.each(buttonsPerState)('in state %s it offers %j', async (state, expected) => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.update({ state });
    await nextTick();
    expect(rows()[0]?.dataset.state).toBe(state);
    expect(actionsOf(rows()[0])).toEqual(expected);
  });

  test.each([
    ['pause', 'uploading'],
    ['resume', 'paused'],
    ['retry', 'failed'],
    ['cancel', 'uploading'],
  ] as const)('the %s button asks the engine to %s', async (action, state) => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin'), fileOf('b.bin')]);
    engine.added[1]?.update({ state });
    await nextTick();
    rows()[1]?.querySelector<HTMLButtonElement>(`[data-action=${action}]`)?.click();
    await flushPromises();
    expect(engine.added[1]?.calls).toEqual([action]);
    expect(engine.added[0]?.calls).toEqual([]);
  });

  test('remove forgets a finished row', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.finish();
    await nextTick();
    rows()[0]?.querySelector<HTMLButtonElement>('[data-action=remove]')?.click();
    await flushPromises();
    expect(rows()).toHaveLength(0);
  });

  test('shows name, size, bytes, percent, speed and time left', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('video.mp4', 4 * 1024 * 1024)]);
    engine.added[0]?.progressTo(0.25, 1024 * 1024);
    await nextTick();
    const row = rows()[0];
    expect(row?.querySelector('.ou-row__name')?.textContent).toBe('video.mp4');
    expect(row?.querySelector('.ou-row__size')?.textContent).toBe('4.0 MB');
    expect(row?.querySelector('.ou-row__bytes')?.textContent).toBe('1.0 MB of 4.0 MB (25%)');
    expect(row?.querySelector('.ou-row__speed')?.textContent).toBe('1.0 MB/s');
    expect(row?.querySelector('.ou-row__eta')?.textContent).toBe('0:03 left');
    expect(row?.querySelector('.ou-row__state')?.textContent).toBe('Uploading');
  });

  test('a file name is shown as text, never as markup', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('<img src=x onerror=alert(1)>.txt')]);
    engine.added[0]?.update({ state: 'uploading' });
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__name')?.textContent).toBe('<img src=x onerror=alert(1)>.txt');
    expect(rows()[0]?.querySelector('img')).toBeNull();
  });

  test.each([
    ['UPLOAD_EXPIRED', 'expired on the server, so this file was started again'],
    ['TOKEN_ENDPOINT', 'cannot be reached. Retrying'],
    ['FILE_CHANGED', 'changed or became unreadable while uploading. Select it again'],
    ['PERMISSION_DENIED', 'Permission to read this file was not given'],
    ['FILE_NOT_FOUND', 'no longer where it was (moved, renamed or deleted)'],
    ['ACCESS_DENIED', 'Ask the site administrator for permission'],
    ['INTEGRITY', 'integrity check failed'],
  ] as const)('error %s is explained in plain words', async (code, words) => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.fail({ code, message: 'raw detail', requestId: 'REQ1' });
    await nextTick();
    const error = rows()[0]?.querySelector('.ou-row__error');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(error?.textContent).toContain(words);
    expect(error?.textContent).toContain('raw detail · request REQ1');
  });

  test('an error that retrying cannot fix offers no Retry', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.fail({ code: 'ACCESS_DENIED', retryable: false });
    await nextTick();
    expect(actionsOf(rows()[0])).toEqual(['cancel']);
  });

  test('notices from the engine are shown', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.update({ state: 'uploading', notices: [{ code: 'UPLOAD_EXPIRED', message: 'The earlier upload had expired; started again.' }] });
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__notice')?.textContent).toBe('The earlier upload had expired on the server, so this file was started again.');
  });
});

describe('accessibility', () => {
  test('the progress bar reports its value and names the file', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('report.pdf', 1000)]);
    engine.added[0]?.progressTo(0.427);
    await nextTick();
    const bar = rows()[0]?.querySelector('[role=progressbar]');
    expect(bar?.getAttribute('aria-valuenow')).toBe('42');
    expect(bar?.getAttribute('aria-valuemin')).toBe('0');
    expect(bar?.getAttribute('aria-valuemax')).toBe('100');
    expect(bar?.getAttribute('aria-label')).toBe('Upload progress of report.pdf');
    expect(bar?.getAttribute('aria-valuetext')).toBe('427 B of 1,000 B (42%)');
  });

  test('every button is labelled with the file name', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('report.pdf')]);
    engine.added[0]?.update({ state: 'paused' });
    await nextTick();
    const labels = Array.from(rows()[0]?.querySelectorAll('button') ?? []).map((button) => button.getAttribute('aria-label'));
    expect(labels).toEqual(['Resume uploading report.pdf', 'Cancel uploading report.pdf']);
  });

  test('the drop zone is a focusable, labelled button', async () => {
    await mountUploader();
    const zone = document.querySelector('.ou-drop__zone');
    expect(zone?.getAttribute('role')).toBe('button');
    expect(zone?.getAttribute('tabindex')).toBe('0');
    expect(zone?.getAttribute('aria-label')).toBe('Choose files to upload, or drop files and folders here');
  });

  test('progress is announced politely in 10 % steps', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin', 1000)]);
    const live = document.querySelector('[aria-live=polite]');
    engine.added[0]?.progressTo(0.05);
    await nextTick();
    expect(live?.textContent).toBe('');
    engine.added[0]?.progressTo(0.21);
    await nextTick();
    expect(live?.textContent).toBe('a.bin: 20% uploaded');
    engine.added[0]?.progressTo(0.26);
    await nextTick();
    expect(live?.textContent).toBe('a.bin: 20% uploaded');
    engine.added[0]?.finish();
    await nextTick();
    expect(live?.textContent).toBe('a.bin uploaded');
  });

  test('leaving the page is questioned only while uploads run', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.progressTo(0.5);
    await nextTick();
    const whileRunning = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(whileRunning);
    expect(whileRunning.defaultPrevented).toBe(true);
    expect(document.querySelector('.ou-totals__warning')?.textContent).toContain('you can resume later by selecting the files again');
    engine.added[0]?.finish();
    await nextTick();
    const afterwards = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(afterwards);
    expect(afterwards.defaultPrevented).toBe(false);
  });
});

describe('languages', () => {
  test('the select switches between English and Simplified Chinese and remembers the choice', async () => {
    const { engine } = await mountUploader({ languageSelect: true });
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.update({ state: 'uploading' });
    await nextTick();
    const select = document.querySelector<HTMLSelectElement>('.ou-language__select');
    expect(select?.value).toBe('en');
    expect(rows()[0]?.querySelector('.ou-row__state')?.textContent).toBe('Uploading');

    select!.value = 'zh-CN';
    select!.dispatchEvent(new Event('change'));
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__state')?.textContent).toBe('上传中');
    expect(rows()[0]?.querySelector('[data-action=pause]')?.getAttribute('aria-label')).toBe('暂停上传 a.bin');
    expect(document.querySelector('.ou-uploader')?.getAttribute('lang')).toBe('zh-CN');
    expect(localStorage.getItem('oss-uploader.locale')).toBe('zh-CN');

    select!.value = 'en';
    select!.dispatchEvent(new Event('change'));
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__state')?.textContent).toBe('Uploading');
    expect(localStorage.getItem('oss-uploader.locale')).toBe('en');
  });
});

describe('unfinished uploads', () => {
  test('are listed with size, progress, age and how to resume', async () => {
    await mountUploader({}, new FakeUploader({ unfinished: [unfinishedUpload({ name: 'movie.mp4' })] }));
    const item = document.querySelector('.ou-unfinished__item');
    expect(item?.querySelector('.ou-unfinished__name')?.textContent).toBe('movie.mp4');
    expect(item?.querySelector('.ou-unfinished__meta')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      '64.0 MB · 25% done · started 5 minutes ago',
    );
    expect(item?.querySelector('.ou-unfinished__hint')?.textContent).toBe('Select this file again to resume');
  });

  test('discard aborts it through the engine and removes it from the list', async () => {
    const engine = new FakeUploader({ unfinished: [unfinishedUpload({ id: 'cp-1', name: 'movie.mp4' })] });
    await mountUploader({}, engine);
    const discard = document.querySelector<HTMLButtonElement>('[data-action=discard]');
    expect(discard?.getAttribute('aria-label')).toBe('Discard the unfinished upload of movie.mp4');
    discard?.click();
    await flushPromises();
    expect(engine.discarded).toEqual(['cp-1']);
    expect(document.querySelector('.ou-unfinished')).toBeNull();
  });

  test('a same-named file that is not the same file is explained', async () => {
    const engine = new FakeUploader({ unfinished: [unfinishedUpload({ name: 'movie.mp4' })] });
    await mountUploader({}, engine);
    await pickFiles(firstFileInput(), [fileOf('movie.mp4')]);
    engine.added[0]?.progressTo(0.01);
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__notice')?.textContent).toBe(
      'This is not the same file as the unfinished upload named movie.mp4; it was uploaded as a new file.',
    );
  });

  test('a resumed file says so and leaves the unfinished list', async () => {
    const engine = new FakeUploader({ unfinished: [unfinishedUpload({ name: 'movie.mp4', key: 'uploads/movie.mp4' })] });
    await mountUploader({}, engine);
    await pickFiles(firstFileInput(), [fileOf('movie.mp4')]);
    engine.added[0]?.update({ state: 'uploading', resumed: true, key: 'uploads/movie.mp4' });
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__resumed')?.textContent).toBe('Continued from an earlier upload');
    expect(rows()[0]?.querySelector('.ou-row__notice')).toBeNull();
    expect(document.querySelector('.ou-unfinished')).toBeNull();
  });
});

describe('events and embedding', () => {
  test('emits progress, success and error with their payloads', async () => {
    const { wrapper, engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin', 1000), fileOf('b.bin')]);
    engine.added[0]?.progressTo(0.5);
    engine.added[0]?.finish({ key: 'uploads/a.bin', etag: '"abc"', crc64: '987' });
    engine.added[1]?.fail({ code: 'NETWORK', message: 'socket hang up' });
    expect(wrapper.emitted('progress')?.some(([payload]) => (payload as { fraction: number }).fraction === 0.5)).toBe(true);
    expect(wrapper.emitted('success')).toEqual([[{ key: 'uploads/a.bin', etag: '"abc"', crc64: '987', size: 1000 }]]);
    expect(wrapper.emitted('error')).toEqual([
      [{ id: 'upload-2', name: 'b.bin', code: 'NETWORK', message: 'socket hang up', retryable: true }],
    ]);
  });

  test('totals sum files, bytes and speed', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin', 1024), fileOf('b.bin', 1024)]);
    engine.added[0]?.finish();
    engine.added[1]?.progressTo(0.5, 2048);
    await nextTick();
    expect(document.querySelector('.ou-totals__files')?.textContent).toBe('Files: 1 of 2 finished');
    expect(document.querySelector('.ou-totals__bytes')?.textContent).toBe('1.5 KB of 2.0 KB (75%)');
    expect(document.querySelector('.ou-totals__speed')?.textContent).toBe('Speed: 2.0 KB/s');
  });

  test('two uploaders on one page keep separate lists and share one stylesheet', async () => {
    const first = await mountUploader();
    await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('only-in-first.bin')]);
    expect(first.engine.added).toHaveLength(1);
    const lists = document.querySelectorAll('.ou-list');
    expect(lists[0]?.children).toHaveLength(1);
    expect(lists[1]?.children).toHaveLength(0);
    expect(document.head.querySelectorAll('#oss-uploader-styles')).toHaveLength(1);
  });

  test('the file slot replaces the row and can act on it', async () => {
    const { engine } = await mountUploader({}, new FakeUploader(), {
      file: (scope: { row: UploadRowData; act: (action: RowAction) => void }) =>
        h('li', { class: 'custom-row', onClick: () => scope.act('pause') }, `${scope.row.name} is ${scope.row.state}`),
    });
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    const custom = document.querySelector<HTMLElement>('.custom-row');
    expect(custom?.textContent).toBe('a.bin is queued');
    expect(rows()).toHaveLength(0);
    custom?.click();
    expect(engine.added[0]?.calls).toEqual(['pause']);
  });

  test('the trigger slot replaces the drop zone content', async () => {
    vi.stubGlobal('showOpenFilePicker', undefined);
    const click = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    await mountUploader({}, new FakeUploader(), {
      trigger: (scope: { open: () => void }) => h('span', { class: 'my-trigger', onClick: (event: Event) => { event.stopPropagation(); scope.open(); } }, 'Add files'),
    });
    document.querySelector<HTMLElement>('.my-trigger')?.click();
    expect(click).toHaveBeenCalledTimes(1);
    expect(document.querySelector('.ou-drop__text')).toBeNull();
  });
});
