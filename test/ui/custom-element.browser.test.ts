import { afterEach, describe, expect, test, vi } from 'vitest';
import { defineOssUploaderElement } from '../../src/ui/custom-element';
import { FakeUploader, fileOf } from './fake-uploader';
import { pickFiles } from './mount-uploader';

defineOssUploaderElement();

afterEach(() => {
  document.body.replaceChildren();
});

function addElement(engine: FakeUploader, attributes: Record<string, string> = {}): HTMLElement {
  const element = document.createElement('oss-uploader');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  // Properties (functions) before connecting, as a page script would.
  Object.assign(element, { createUploader: async () => engine });
  document.body.append(element);
  return element;
}

function inShadow<T extends Element>(element: HTMLElement, selector: string): T | null {
  return element.shadowRoot?.querySelector<T>(selector) ?? null;
}

async function whenRendered(element: HTMLElement): Promise<void> {
  await vi.waitFor(() => expect(inShadow(element, '.ou-uploader')).not.toBeNull());
}

describe('<oss-uploader>', () => {
  test('renders inside its shadow root with its styles there', async () => {
    const element = addElement(new FakeUploader());
    await whenRendered(element);
    expect(inShadow(element, 'style#oss-uploader-styles')?.textContent).toContain('.ou-drop__zone');
    expect(document.head.querySelector('#oss-uploader-styles')).toBeNull();
  });

  test('emits success, progress and error as CustomEvents whose detail is the payload', async () => {
    const engine = new FakeUploader();
    const element = addElement(engine);
    await whenRendered(element);
    const seen: Array<[string, unknown]> = [];
    for (const name of ['progress', 'success', 'error']) {
      element.addEventListener(name, (event) => seen.push([name, (event as CustomEvent).detail]));
    }
    await pickFiles(inShadow<HTMLInputElement>(element, 'input[type=file]')!, [fileOf('a.bin', 10), fileOf('b.bin', 10)]);
    engine.added[0]?.finish({ key: 'uploads/a.bin', etag: '"e"', crc64: '7' });
    engine.added[1]?.fail({ code: 'ACCESS_DENIED', message: 'denied', retryable: false });
    expect(seen.find(([name]) => name === 'success')).toEqual(['success', { key: 'uploads/a.bin', etag: '"e"', crc64: '7', size: 10 }]);
    expect(seen.find(([name]) => name === 'error')).toEqual([
      'error',
      { id: 'upload-2', name: 'b.bin', code: 'ACCESS_DENIED', message: 'denied', retryable: false },
    ]);
    expect(seen.some(([name, detail]) => name === 'progress' && (detail as { name: string }).name === 'a.bin')).toBe(true);
  });

  test('takes options from attributes, including auto-start="false"', async () => {
    const engine = new FakeUploader();
    const element = addElement(engine, { accept: '.txt', 'auto-start': 'false', 'language-select': 'false' });
    await whenRendered(element);
    expect(inShadow<HTMLInputElement>(element, 'input[type=file]')?.accept).toBe('.txt');
    expect(inShadow<HTMLInputElement>(element, 'input[type=file]')?.multiple).toBe(true); // absent: the default
    expect(inShadow(element, '.ou-language')).toBeNull();
    await pickFiles(inShadow<HTMLInputElement>(element, 'input[type=file]')!, [fileOf('notes.txt')]);
    expect(engine.added).toHaveLength(0);
    expect(inShadow<HTMLElement>(element, '.ou-row')?.dataset.state).toBe('pending');
  });

  test('two elements on a page never share uploads', async () => {
    const first = new FakeUploader();
    const second = new FakeUploader();
    const one = addElement(first);
    const two = addElement(second);
    await whenRendered(one);
    await whenRendered(two);
    await pickFiles(inShadow<HTMLInputElement>(one, 'input[type=file]')!, [fileOf('a.bin')]);
    expect(first.added).toHaveLength(1);
    expect(second.added).toHaveLength(0);
    expect(two.shadowRoot?.querySelectorAll('.ou-row')).toHaveLength(0);
  });

  test('removing the element destroys its engine', async () => {
    const engine = new FakeUploader();
    const element = addElement(engine);
    await whenRendered(element);
    element.remove();
    await vi.waitFor(() => expect(engine.destroyed).toBe(true));
  });
});

describe('<oss-uploader> and the "Your uploads" panel', () => {
  test('show-uploads turns the panel on and show-uploads="false" off, reading the uploads-url attribute', async () => {
    const requested: string[] = [];
    vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
      requested.push(String(input));
      return Response.json({
        uploads: [
          {
            id: '1',
            key: 'uploads/v/report.pdf',
            name: 'report.pdf',
            size: 10,
            crc64: '1',
            etag: 'E',
            mimeType: null,
            createdAt: '2026-11-28T10:00:00.000Z',
            downloadUrl: 'http://oss.test/uploads/v/report.pdf?Signature=s',
            downloadUrlExpiration: '2026-11-28T10:05:00.000Z',
          },
        ],
        nextCursor: null,
      });
    });
    try {
      const without = addElement(new FakeUploader(), { 'show-uploads': 'false', 'uploads-url': 'http://app.test/api/uploads' });
      await whenRendered(without);
      const shown = addElement(new FakeUploader(), { 'show-uploads': '', 'uploads-url': 'http://app.test/api/uploads' });
      await whenRendered(shown);
      await vi.waitFor(() => expect(inShadow(shown, '.ou-uploads__item')?.textContent).toContain('report.pdf'));
      expect(inShadow(without, '[data-testid="your-uploads"]')).toBeNull();
      expect(requested).toEqual(['http://app.test/api/uploads?limit=20']);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
