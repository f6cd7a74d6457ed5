/**
 * Theming: colours a host page sets on a parent (or on <oss-uploader>) win over the defaults, and the
 * `theme` prop forces light or dark. Checked on rendered colours, not on the stylesheet's text.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { defineOssUploaderElement } from '../../src/ui/custom-element';
import { FakeUploader, fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

defineOssUploaderElement();

afterEach(() => {
  unmountAll();
  document.body.replaceChildren();
  document.body.removeAttribute('style');
});

const colorOf = (element: Element | null | undefined, property: 'color' | 'backgroundColor'): string => {
  if (!element) throw new Error('element not rendered');
  return getComputedStyle(element)[property];
};

/** The Start button: accent background, accent text. Present once a file waits (auto-start off). */
async function startButtonOf(root: ParentNode, input: HTMLInputElement): Promise<HTMLElement> {
  await pickFiles(input, [fileOf('a.bin', 10)]);
  return vi.waitFor(() => {
    const button = root.querySelector<HTMLElement>('.ou-button--primary');
    if (!button) throw new Error('no Start button yet');
    return button;
  });
}

describe('colours from the host page', () => {
  test('a --ou-* property set on a parent of the component wins over the default', async () => {
    document.body.style.setProperty('--ou-accent', 'rgb(1, 2, 3)');
    document.body.style.setProperty('--ou-text', 'rgb(4, 5, 6)');
    await mountUploader({ autoStart: false });
    const start = await startButtonOf(document, firstFileInput());
    expect(colorOf(start, 'backgroundColor')).toBe('rgb(1, 2, 3)');
    expect(colorOf(document.querySelector('.ou-uploader'), 'color')).toBe('rgb(4, 5, 6)');
  });

  test('a --ou-* property set on <oss-uploader> reaches into its shadow root', async () => {
    const element = document.createElement('oss-uploader');
    element.setAttribute('auto-start', 'false');
    element.style.setProperty('--ou-accent', 'rgb(7, 8, 9)');
    Object.assign(element, { createUploader: async () => new FakeUploader() });
    document.body.append(element);
    const input = await vi.waitFor(() => {
      const found = element.shadowRoot?.querySelector<HTMLInputElement>('input[type=file]');
      if (!found) throw new Error('not rendered yet');
      return found;
    });
    const start = await startButtonOf(element.shadowRoot!, input);
    expect(colorOf(start, 'backgroundColor')).toBe('rgb(7, 8, 9)');
  });
});

describe('the theme prop', () => {
  // The defaults of uploader.css: text #1f2328 light, #e6edf3 dark; surface #ffffff light, #151b23 dark.
  test.each([
    ['light', 'rgb(31, 35, 40)', 'rgb(255, 255, 255)'],
    ['dark', 'rgb(230, 237, 243)', 'rgb(21, 27, 35)'],
  ] as const)('theme="%s" renders that scheme whatever the system prefers', async (theme, text, surface) => {
    await mountUploader({ theme, languageSelect: true });
    const root = document.querySelector('.ou-uploader');
    expect(root?.getAttribute('data-theme')).toBe(theme);
    expect(colorOf(root, 'color')).toBe(text);
    expect(colorOf(document.querySelector('.ou-language__select'), 'backgroundColor')).toBe(surface);
  });

  test('auto follows the system: light in this headless browser', async () => {
    expect(matchMedia('(prefers-color-scheme: dark)').matches).toBe(false);
    await mountUploader({});
    expect(colorOf(document.querySelector('.ou-uploader'), 'color')).toBe('rgb(31, 35, 40)');
  });

  test('the element refuses an unknown theme attribute with a console error and follows the system', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const element = document.createElement('oss-uploader');
    element.setAttribute('theme', 'purple');
    Object.assign(element, { createUploader: async () => new FakeUploader() });
    document.body.append(element);
    const root = await vi.waitFor(() => {
      const found = element.shadowRoot?.querySelector('.ou-uploader');
      if (!found) throw new Error('not rendered yet');
      return found;
    });
    expect(root.getAttribute('data-theme')).toBe('auto');
    expect(errors.mock.calls.map((call) => String(call[0]))).toContainEqual(expect.stringContaining('theme="purple" is not one of auto, light, dark'));
    errors.mockRestore();
  });
});
