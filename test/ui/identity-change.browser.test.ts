/**
 * An unfinished upload started under another identity (the identity cookie was lost, so the token
 * endpoint gave this browser a new prefix) cannot be continued. The page says so, and what can be
 * done, instead of claiming the file picked again is not the same file.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import { nextTick } from 'vue';
import type { UploadNotice } from '../../src/engine/contracts';
import { FakeUploader, fileOf, unfinishedUpload } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

afterEach(() => {
  unmountAll();
});

const ENGINE_NOTICE = 'engine words about another identity';
const NOTICE_EN =
  'The unfinished upload of this file was started in another browser session or under another sign-in and cannot be continued here, so this file is uploaded as a new file. You can discard the unfinished one.';
const ERROR_EN =
  'This upload was started in another browser session or under another sign-in, so it cannot be continued here. Select the file again to upload it as a new file, or discard it.';

function rows(): HTMLElement[] {
  return Array.from(document.querySelectorAll<HTMLElement>('.ou-list > .ou-row'));
}

function noticesOf(row: HTMLElement | undefined): string[] {
  return Array.from(row?.querySelectorAll('.ou-row__notice') ?? []).map((p) => p.textContent ?? '');
}

function entry(name: string): HTMLElement | null {
  return (
    Array.from(document.querySelectorAll<HTMLElement>('.ou-unfinished__item')).find(
      (item) => item.querySelector('.ou-unfinished__name')?.textContent === name,
    ) ?? null
  );
}

function text(element: Element | null | undefined): string | undefined {
  return element?.textContent?.replace(/\s+/g, ' ').trim();
}

async function chooseLanguage(locale: string): Promise<void> {
  const select = document.querySelector<HTMLSelectElement>('.ou-language__select');
  select!.value = locale;
  select!.dispatchEvent(new Event('change'));
  await nextTick();
}

/** What the engine reports when the file picked again had been left unfinished under another prefix. */
const identityNotice: UploadNotice = { code: 'IDENTITY_CHANGED', message: ENGINE_NOTICE, unfinishedId: 'cp-1' };

/** A browser that lost its identity cookie: the unfinished movie.mp4 lies under the old prefix. */
function engineWithUploadOfLostIdentity(): FakeUploader {
  return new FakeUploader({ unfinished: [unfinishedUpload({ id: 'cp-1', name: 'movie.mp4', key: 'uploads/OldIdentity/movie.mp4', hasHandle: true })] });
}

describe('an unfinished upload started under another identity', () => {
  test('picked again: the row says it was started under another identity, not that it is another file', async () => {
    const engine = engineWithUploadOfLostIdentity();
    await mountUploader({}, engine);
    await pickFiles(firstFileInput(), [fileOf('movie.mp4')]);
    engine.added[0]?.update({ state: 'uploading', key: 'uploads/NewIdentity/movie.mp4', notices: [identityNotice] });
    await nextTick();

    expect(noticesOf(rows()[0])).toEqual([NOTICE_EN]);
    expect(rows()[0]?.textContent).not.toContain('not the same file');
  });

  test('picked again: the unfinished entry explains it too, offering Discard instead of Resume', async () => {
    const engine = engineWithUploadOfLostIdentity();
    await mountUploader({}, engine);
    await pickFiles(firstFileInput(), [fileOf('movie.mp4')]);
    engine.added[0]?.update({ state: 'uploading', notices: [identityNotice] });
    await nextTick();

    const item = entry('movie.mp4');
    expect(text(item?.querySelector('.ou-unfinished__error'))).toBe(`${ERROR_EN} Details: ${ENGINE_NOTICE}`);
    expect(item?.querySelector('.ou-unfinished__hint')).toBeNull();
    expect(item?.querySelector('[data-action=resume]')).toBeNull();
    item?.querySelector<HTMLButtonElement>('[data-action=discard]')?.click();
    await flushPromises();
    expect(engine.discarded).toEqual(['cp-1']);
    expect(entry('movie.mp4')).toBeNull();
  });

  test('the row says it in Chinese too', async () => {
    const engine = engineWithUploadOfLostIdentity();
    await mountUploader({ languageSelect: true }, engine);
    await chooseLanguage('zh-CN');
    await pickFiles(firstFileInput(), [fileOf('movie.mp4')]);
    engine.added[0]?.update({ state: 'uploading', notices: [identityNotice] });
    await nextTick();

    expect(noticesOf(rows()[0])).toEqual(['此文件未完成的上传是在另一个浏览器会话或另一个登录身份下开始的，无法在这里继续，因此将作为新文件上传。可以丢弃那个未完成的上传。']);
  });

  test('Resume: the entry says why it cannot continue and what to do, and keeps Discard', async () => {
    const engine = engineWithUploadOfLostIdentity();
    engine.resumeFailures.set('cp-1', { code: 'IDENTITY_CHANGED', message: 'engine words', retryable: false });
    await mountUploader({ languageSelect: true }, engine);
    entry('movie.mp4')?.querySelector<HTMLButtonElement>('[data-action=resume]')?.click();
    await flushPromises();

    const item = entry('movie.mp4');
    expect(text(item?.querySelector('.ou-unfinished__error'))).toBe(`${ERROR_EN} Details: engine words`);
    expect(item?.querySelector('.ou-unfinished__hint')).toBeNull();
    expect(item?.querySelector('[data-action=resume]')).toBeNull();
    expect(item?.querySelector('[data-action=discard]')).not.toBeNull();
    expect(rows()).toHaveLength(0);

    await chooseLanguage('zh-CN');
    expect(text(entry('movie.mp4')?.querySelector('.ou-unfinished__error'))).toContain(
      '此上传是在另一个浏览器会话或另一个登录身份下开始的，无法在这里继续。请重新选择该文件作为新文件上传，或将其丢弃。',
    );
  });

  test('a resumed row that fails with IDENTITY_CHANGED says so, not that it is another file', async () => {
    const engine = engineWithUploadOfLostIdentity();
    await mountUploader({}, engine);
    entry('movie.mp4')?.querySelector<HTMLButtonElement>('[data-action=resume]')?.click();
    await flushPromises();
    engine.added[0]?.update({ resumed: false });
    engine.added[0]?.fail({ code: 'IDENTITY_CHANGED', message: 'engine words', retryable: false });
    await nextTick();

    expect(text(rows()[0]?.querySelector('.ou-row__error'))).toBe(`${ERROR_EN} Details: engine words`);
    expect(noticesOf(rows()[0])).toEqual([]);
    expect(rows()[0]?.textContent).not.toContain('not the same file');
  });
});
