/**
 * The panel where the File System Access API exists (Chromium): picking through
 * showOpenFilePicker or showDirectoryPicker keeps each file's handle for the engine, and unfinished uploads with a saved
 * handle get a one-click Resume whose failures are explained in the entry. Also the notices by
 * code and the "checking uploaded parts" progress text.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { nextTick } from 'vue';
import { FakeUploader, fileOf, unfinishedUpload } from './fake-uploader';
import { mountUploader, pickFiles, firstFileInput, unmountAll } from './mount-uploader';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  unmountAll();
});

function fakeHandle(file: File): FileSystemFileHandle {
  return { kind: 'file', name: file.name, getFile: async () => file } as unknown as FileSystemFileHandle;
}

function zone(): HTMLElement {
  const found = document.querySelector<HTMLElement>('.ou-drop__zone');
  if (!found) throw new Error('no drop zone');
  return found;
}

function rows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('.ou-list > .ou-row'));
}

describe('picking with showOpenFilePicker', () => {
  test('the drop zone opens the picker and each file reaches the engine with its handle', async () => {
    const files = [fileOf('a.bin'), fileOf('b.bin')];
    const handles = files.map(fakeHandle);
    const picker = vi.fn(async () => handles);
    vi.stubGlobal('showOpenFilePicker', picker);
    const inputClick = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    const { engine } = await mountUploader({ accept: '.bin,video/*' });

    zone().click();
    await vi.waitFor(() => expect(engine.added).toHaveLength(2));
    expect(picker).toHaveBeenCalledWith({
      multiple: true,
      types: [{ description: '.bin,video/*', accept: { 'video/*': [], 'application/octet-stream': ['.bin'] } }],
    });
    expect(engine.added.map((upload) => upload.options.handle)).toEqual(handles);
    expect(inputClick).not.toHaveBeenCalled();
    // The plain file input is still the first one on the page, and still works.
    await pickFiles(firstFileInput(), [fileOf('c.bin')]);
    expect(engine.added.map((upload) => [upload.file.name, upload.options.handle])).toContainEqual(['c.bin', undefined]);
  });

  test('closing the picker adds nothing and does not open the file input', async () => {
    vi.stubGlobal('showOpenFilePicker', async () => {
      throw new DOMException('The user aborted a request.', 'AbortError');
    });
    const inputClick = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    const { engine } = await mountUploader();
    zone().click();
    await flushPromises();
    expect(engine.added).toHaveLength(0);
    expect(inputClick).not.toHaveBeenCalled();
  });

  test('a picker that refuses (e.g. in a cross-origin frame) falls back to the file input', async () => {
    vi.stubGlobal('showOpenFilePicker', async () => {
      throw new DOMException('Cross origin sub frames are not allowed to show a file picker.', 'SecurityError');
    });
    const inputClick = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    await mountUploader();
    zone().click();
    await vi.waitFor(() => expect(inputClick).toHaveBeenCalledTimes(1));
    expect(inputClick.mock.contexts[0]).toBe(firstFileInput());
  });
});

describe('picking a folder with showDirectoryPicker', () => {
  function folderButton(): HTMLElement {
    const found = document.querySelector<HTMLElement>('.ou-drop__folder');
    if (!found) throw new Error('no folder button');
    return found;
  }

  test('every file under the picked folder reaches the engine with its relative path and handle', async () => {
    // A folder of the origin private file system stands in for the one a person would pick.
    const root = await navigator.storage.getDirectory();
    await root.removeEntry('album', { recursive: true }).catch(() => undefined);
    const album = await root.getDirectoryHandle('album', { create: true });
    const year = await album.getDirectoryHandle('2024', { create: true });
    for (const [directory, name] of [[album, 'a.bin'], [year, 'b.bin']] as const) {
      const writable = await (await directory.getFileHandle(name, { create: true })).createWritable();
      await writable.write(name);
      await writable.close();
    }
    try {
      const picker = vi.fn(async () => album);
      vi.stubGlobal('showDirectoryPicker', picker);
      const inputClick = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
      const { engine } = await mountUploader();

      folderButton().click();
      await vi.waitFor(() => expect(engine.added).toHaveLength(2));
      expect(picker).toHaveBeenCalledWith({ mode: 'read' });
      expect(engine.added.map((upload) => [upload.file.webkitRelativePath, upload.options.handle?.name])).toEqual([
        ['album/2024/b.bin', 'b.bin'],
        ['album/a.bin', 'a.bin'],
      ]);
      expect(await (await engine.added[0]!.options.handle!.getFile()).text()).toBe('b.bin');
      expect(inputClick).not.toHaveBeenCalled();
    } finally {
      await root.removeEntry('album', { recursive: true });
    }
  });

  test('closing the folder picker adds nothing; a refusing one falls back to the folder input', async () => {
    const inputClick = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(() => undefined);
    vi.stubGlobal('showDirectoryPicker', async () => {
      throw new DOMException('The user aborted a request.', 'AbortError');
    });
    const { engine } = await mountUploader();
    folderButton().click();
    await flushPromises();
    expect(engine.added).toHaveLength(0);
    expect(inputClick).not.toHaveBeenCalled();

    vi.stubGlobal('showDirectoryPicker', async () => {
      throw new DOMException('Cross origin sub frames are not allowed to show a file picker.', 'SecurityError');
    });
    folderButton().click();
    await vi.waitFor(() => expect(inputClick).toHaveBeenCalledTimes(1));
    expect((inputClick.mock.contexts[0] as HTMLInputElement).webkitdirectory).toBe(true);
  });
});

describe('one-click resume of unfinished uploads', () => {
  function entry(name: string): HTMLElement | null {
    return Array.from(document.querySelectorAll<HTMLElement>('.ou-unfinished__item')).find(
      (item) => item.querySelector('.ou-unfinished__name')?.textContent === name,
    ) ?? null;
  }

  test('entries with a saved handle offer Resume; it continues the upload with no file dialog', async () => {
    const engine = new FakeUploader({
      unfinished: [
        unfinishedUpload({ id: 'cp-1', name: 'with-handle.mp4', hasHandle: true }),
        unfinishedUpload({ id: 'cp-2', name: 'without.mp4', key: 'uploads/without.mp4' }),
      ],
    });
    await mountUploader({}, engine);
    expect(entry('without.mp4')?.querySelector('[data-action=resume]')).toBeNull();
    expect(document.querySelector('.ou-unfinished__intro')?.textContent).toBe(
      'These uploads stopped before they finished. Press Resume, or select the same file again, to continue.',
    );
    const resume = entry('with-handle.mp4')?.querySelector<HTMLButtonElement>('[data-action=resume]');
    expect(resume?.getAttribute('aria-label')).toBe('Resume the unfinished upload of with-handle.mp4');
    expect(resume?.textContent?.trim()).toBe('Resume');

    resume?.click();
    // Called within the click itself: the permission prompt needs the user gesture.
    expect(engine.resumedUnfinished).toEqual(['cp-1']);
    await flushPromises();
    expect(rows().map((row) => row.querySelector('.ou-row__name')?.textContent)).toEqual(['with-handle.mp4']);
    expect(rows()[0]?.querySelector('.ou-row__resumed')?.textContent).toBe('Continued from an earlier upload');
    expect(entry('with-handle.mp4')).toBeNull();
    expect(entry('without.mp4')).not.toBeNull();
  });

  test.each([
    ['PERMISSION_DENIED', 'Permission to read this file was not given. Select the file again to continue.'],
    ['FILE_NOT_FOUND', 'The file is no longer where it was (moved, renamed or deleted). Select it again to continue.'],
    ['FILE_CHANGED', 'The file changed or became unreadable while uploading. Select it again.'],
  ] as const)('a failure (%s) is explained in the entry, which stays with the reselect hint', async (code, summary) => {
    const engine = new FakeUploader({ unfinished: [unfinishedUpload({ id: 'cp-1', name: 'movie.mp4', hasHandle: true })] });
    engine.resumeFailures.set('cp-1', { code, message: 'engine words', retryable: false });
    await mountUploader({}, engine);
    entry('movie.mp4')?.querySelector<HTMLButtonElement>('[data-action=resume]')?.click();
    await flushPromises();
    const error = entry('movie.mp4')?.querySelector('.ou-unfinished__error');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(error?.textContent?.replace(/\s+/g, ' ').trim()).toBe(`${summary} Details: engine words`);
    expect(entry('movie.mp4')?.querySelector('.ou-unfinished__hint')?.textContent).toBe('Select this file again to resume');
    expect(rows()).toHaveLength(0);
  });

  test('the failure message is in Chinese too', async () => {
    const engine = new FakeUploader({ unfinished: [unfinishedUpload({ id: 'cp-1', name: 'movie.mp4', hasHandle: true })] });
    engine.resumeFailures.set('cp-1', { code: 'PERMISSION_DENIED', message: 'x', retryable: false });
    await mountUploader({ languageSelect: true }, engine);
    const select = document.querySelector<HTMLSelectElement>('.ou-language__select');
    select!.value = 'zh-CN';
    select!.dispatchEvent(new Event('change'));
    entry('movie.mp4')?.querySelector<HTMLButtonElement>('[data-action=resume]')?.click();
    await flushPromises();
    expect(entry('movie.mp4')?.querySelector('.ou-unfinished__error')?.textContent).toContain('未获得读取此文件的权限');
  });
});

describe('notices and checks of reused parts', () => {
  test('notices are worded by their code, with the count of parts sent again', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.update({
      state: 'uploading',
      notices: [
        { code: 'FILE_CHANGED', message: 'engine sentence one', unfinishedId: 'cp-9' },
        { code: 'PARTS_RESENT', message: 'engine sentence two', count: 2 },
      ],
    });
    await nextTick();
    expect(Array.from(rows()[0]?.querySelectorAll('.ou-row__notice') ?? []).map((p) => p.textContent)).toEqual([
      'This file changed since the unfinished upload; it is uploaded as a new file.',
      '2 parts were sent again because they did not match the file.',
    ]);
  });

  test('once every byte is sent, the row counts the parts being checked instead of showing 100 %', async () => {
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin', 1000)]);
    const upload = engine.added[0];
    upload?.update({
      state: 'uploading',
      progress: { bytesUploaded: 1000, bytesTotal: 1000, fraction: 1, speed: 0, eta: 0 },
      verification: { partsToCheck: 5, partsChecked: 2, partsResent: 0 },
    });
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__bytes')?.textContent).toBe('Checking uploaded parts… 2/5');
    expect(rows()[0]?.querySelector('[role=progressbar]')?.getAttribute('aria-valuetext')).toBe('Checking uploaded parts… 2/5');
    upload?.update({ verification: { partsToCheck: 5, partsChecked: 5, partsResent: 0 } });
    await nextTick();
    expect(rows()[0]?.querySelector('.ou-row__bytes')?.textContent).toBe('1,000 B of 1,000 B (100%)');
  });
});
