/**
 * Long uploads on phones and laptops: the screen stays on while uploading, the tab title shows
 * progress, a notification says when everything is done (permission asked from a click only),
 * files can be pasted, and controls are big enough to touch on a narrow screen.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { page } from 'vitest/browser';
import { flushPromises } from '@vue/test-utils';
import { nextTick } from 'vue';
import { FakeUploader, fileOf, unfinishedUpload } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

const restores: Array<() => void> = [];

/** Gives `target` an own property for the test (shadowing the prototype's), removed afterwards. */
function override(target: object, key: string, descriptor: PropertyDescriptor): void {
  Object.defineProperty(target, key, { configurable: true, ...descriptor });
  restores.push(() => delete (target as Record<string, unknown>)[key]);
}

afterEach(async () => {
  vi.unstubAllGlobals();
  unmountAll();
  for (const restore of restores.splice(0).reverse()) restore();
  document.title = '';
  await page.viewport(414, 896);
});

class FakeSentinel extends EventTarget {
  released = false;
  async release(): Promise<void> {
    this.dropped();
  }
  /** What the browser does on its own when the page is hidden. */
  dropped(): void {
    if (this.released) return;
    this.released = true;
    this.dispatchEvent(new Event('release'));
  }
}

function fakeWakeLock() {
  const sentinels: FakeSentinel[] = [];
  const wakeLock = {
    request: vi.fn(async (type: string) => {
      expect(type).toBe('screen');
      const sentinel = new FakeSentinel();
      sentinels.push(sentinel);
      return sentinel;
    }),
  };
  override(navigator, 'wakeLock', { value: wakeLock });
  return { wakeLock, sentinels, held: () => sentinels.filter((sentinel) => !sentinel.released).length };
}

function setVisibility(state: DocumentVisibilityState): void {
  override(document, 'visibilityState', { get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('screen wake lock', () => {
  test('is held while an upload runs and released when everything is idle', async () => {
    const lock = fakeWakeLock();
    const { engine } = await mountUploader();
    expect(lock.wakeLock.request).not.toHaveBeenCalled();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.progressTo(0.3);
    await flushPromises();
    expect(lock.held()).toBe(1);
    engine.added[0]?.finish();
    await flushPromises();
    expect(lock.held()).toBe(0);
    expect(lock.wakeLock.request).toHaveBeenCalledTimes(1);
  });

  test('is taken again when the page becomes visible while still uploading', async () => {
    const lock = fakeWakeLock();
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.progressTo(0.3);
    await flushPromises();
    // The browser drops the lock when the page is hidden.
    setVisibility('hidden');
    lock.sentinels[0]?.dropped();
    await flushPromises();
    expect(lock.held()).toBe(0);
    setVisibility('visible');
    await flushPromises();
    expect(lock.wakeLock.request).toHaveBeenCalledTimes(2);
    expect(lock.held()).toBe(1);
  });

  test('without the API nothing is asked and uploads go on', async () => {
    override(navigator, 'wakeLock', { value: undefined });
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.progressTo(0.5);
    engine.added[0]?.finish();
    await flushPromises();
    expect(document.querySelector('.ou-row')?.getAttribute('data-state')).toBe('done');
  });
});

describe('progress in the tab title', () => {
  test('with titleProgress the overall percentage leads the title while uploading, then the title is the page’s again', async () => {
    document.title = 'My page';
    const { engine } = await mountUploader({ titleProgress: true });
    await pickFiles(firstFileInput(), [fileOf('a.bin', 1000), fileOf('b.bin', 1000)]);
    engine.added[0]?.progressTo(0.5);
    await nextTick();
    expect(document.title).toBe('25% · My page');
    // A title the page sets meanwhile (a language switch) is kept under the prefix.
    document.title = 'Ma page';
    engine.added[1]?.progressTo(0.5);
    await nextTick();
    expect(document.title).toBe('50% · Ma page');
    engine.added[0]?.finish();
    engine.added[1]?.finish();
    await nextTick();
    expect(document.title).toBe('Ma page');
  });

  test('is off by default in the component', async () => {
    document.title = 'Host page';
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.progressTo(0.5);
    await nextTick();
    expect(document.title).toBe('Host page');
  });
});

function fakeNotification(permission: NotificationPermission) {
  const shown: Array<{ title: string; body?: string }> = [];
  const requestPermission = vi.fn(async () => {
    Fake.permission = 'granted';
    return Fake.permission;
  });
  class Fake {
    static permission: NotificationPermission = permission;
    static requestPermission = requestPermission;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, ...(options?.body === undefined ? {} : { body: options.body }) });
    }
    close(): void {}
  }
  vi.stubGlobal('Notification', Fake);
  return { shown, requestPermission };
}

describe('notification when everything is done', () => {
  test('permission is asked from the button only, never on load, and the notification follows the last upload', async () => {
    const notification = fakeNotification('default');
    const { engine } = await mountUploader({ notifyWhenDone: true });
    expect(notification.requestPermission).not.toHaveBeenCalled();
    expect(document.querySelector('.ou-notify')).toBeNull();

    await pickFiles(firstFileInput(), [fileOf('a.bin'), fileOf('b.bin')]);
    engine.added[0]?.progressTo(0.2);
    await nextTick();
    expect(notification.requestPermission).not.toHaveBeenCalled();
    const button = document.querySelector<HTMLButtonElement>('.ou-notify');
    expect(button?.textContent?.trim()).toBe('Notify me when done');
    button?.click();
    await flushPromises();
    expect(notification.requestPermission).toHaveBeenCalledTimes(1);
    expect(document.querySelector('.ou-notify')).toBeNull();

    engine.added[0]?.finish();
    await nextTick();
    expect(notification.shown).toEqual([]);
    engine.added[1]?.finish();
    await nextTick();
    expect(notification.shown).toEqual([{ title: 'Uploads finished', body: '2 of 2 files uploaded.' }]);
  });

  test('nothing is shown without permission, nor when notifyWhenDone is off', async () => {
    const notification = fakeNotification('granted');
    const { engine } = await mountUploader();
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    engine.added[0]?.progressTo(0.2);
    await nextTick();
    expect(document.querySelector('.ou-notify')).toBeNull();
    engine.added[0]?.finish();
    await nextTick();
    expect(notification.shown).toEqual([]);
  });
});

function paste(target: EventTarget, files: File[]): ClipboardEvent {
  const data = new DataTransfer();
  for (const file of files) data.items.add(file);
  const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true });
  target.dispatchEvent(event);
  return event;
}

describe('pasting files', () => {
  test('files pasted onto the page are added', async () => {
    const { engine } = await mountUploader();
    const event = paste(document.body, [fileOf('screenshot.png', 10, 'image/png')]);
    await flushPromises();
    expect(engine.added.map((upload) => upload.file.name)).toEqual(['screenshot.png']);
    expect(event.defaultPrevented).toBe(true);
  });

  test('a paste into a text field is left to the field', async () => {
    const { engine } = await mountUploader();
    const input = document.createElement('input');
    document.body.append(input);
    restores.push(() => input.remove());
    input.focus();
    const event = paste(input, [fileOf('a.png', 10, 'image/png')]);
    await flushPromises();
    expect(engine.added).toHaveLength(0);
    expect(event.defaultPrevented).toBe(false);
  });

  test('nothing is added while disabled or with paste off', async () => {
    const { engine } = await mountUploader({ disabled: true });
    const other = await mountUploader({ paste: false });
    paste(document.body, [fileOf('a.png', 10, 'image/png')]);
    await flushPromises();
    expect(engine.added).toHaveLength(0);
    expect(other.engine.added).toHaveLength(0);
  });
});

describe('touch targets on a narrow screen', () => {
  test('every button, the select and each row are at least 44 px at a 375 px viewport', async () => {
    await page.viewport(375, 800);
    const engine = new FakeUploader({ unfinished: [unfinishedUpload({ hasHandle: true })] });
    await mountUploader({ languageSelect: true, autoStart: false }, engine);
    await pickFiles(firstFileInput(), [fileOf('a.bin')]);
    await nextTick();
    const controls = Array.from(document.querySelectorAll<HTMLElement>('.ou-uploader button, .ou-uploader select, .ou-row, .ou-drop__zone'));
    expect(controls.length).toBeGreaterThanOrEqual(7);
    const small = controls
      .map((element) => ({ element, box: element.getBoundingClientRect() }))
      .filter(({ box }) => box.height < 44 || box.width < 44)
      .map(({ element, box }) => `${element.className} ${box.width}×${box.height}`);
    expect(small).toEqual([]);
  });
});
