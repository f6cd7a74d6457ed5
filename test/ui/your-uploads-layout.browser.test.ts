/**
 * The "Your uploads" panel's own design, measured in Chromium: a table-like row per upload on a
 * desktop, stacked rows with 44 px targets at 375 px, long names cut with an ellipsis (full name in
 * the title), the loading, empty and failed states, visible keyboard focus, light and dark colours.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { page } from 'vitest/browser';
import { defineOssUploaderElement } from '../../src/ui/custom-element';
import type { UploadListItem } from '../../src/shared/token-response';
import { FakeUploader } from './fake-uploader';
import { mountUploader, unmountAll } from './mount-uploader';

defineOssUploaderElement();

const LONG_NAME = `${'quarterly-report-final-version-'.repeat(6)}2026.pdf`;

function item(id: string, name: string): UploadListItem {
  return {
    id,
    key: `uploads/v/${id}`,
    name,
    size: 73_400_320,
    crc64: '1',
    etag: 'E',
    mimeType: null,
    createdAt: '2026-11-28T10:00:00.000Z',
    downloadUrl: `http://oss.test/uploads/v/${id}?Signature=s`,
    downloadUrlExpiration: '2026-11-28T10:05:00.000Z',
  };
}

/** GET /api/uploads answered by `answer` (the uploader's panel uses the global fetch). */
function routes(answer: () => Promise<Response> | Response): void {
  vi.stubGlobal('fetch', vi.fn(async () => answer()));
}

async function mountPanel(theme: 'light' | 'dark' = 'light'): Promise<HTMLElement> {
  await mountUploader({ showUploads: true, tokenUrl: '/api/sts', theme });
  return vi.waitFor(() => {
    const panel = document.querySelector<HTMLElement>('[data-testid="your-uploads"]');
    if (!panel || panel.getAttribute('aria-busy') === 'true') throw new Error('not loaded yet');
    return panel;
  });
}

const box = (element: Element | null): DOMRect => {
  if (!element) throw new Error('element not rendered');
  return element.getBoundingClientRect();
};

afterEach(async () => {
  vi.unstubAllGlobals();
  unmountAll();
  document.head.querySelector('#oss-uploader-your-uploads-styles')?.remove();
  await page.viewport(414, 896);
});

describe('Your uploads: layout', () => {
  test('desktop: one row per upload, name | size · time | actions side by side, long names cut with the full name in the title', async () => {
    await page.viewport(1024, 768);
    routes(() => Response.json({ uploads: [item('a', LONG_NAME), item('b', 'b.txt')], nextCursor: null }));
    const panel = await mountPanel();
    const row = panel.querySelector('[data-id="a"]')!;
    const name = row.querySelector<HTMLElement>('.ou-uploads__name')!;
    const meta = row.querySelector('.ou-uploads__meta');
    const actions = row.querySelector('.ou-uploads__actions');

    expect(name.title).toBe(LONG_NAME);
    expect(getComputedStyle(name).textOverflow).toBe('ellipsis');
    expect(name.scrollWidth).toBeGreaterThan(name.clientWidth);
    // One line: the three cells share a row, left to right, inside the row.
    expect(box(name).height).toBeLessThan(30);
    expect(box(name).right).toBeLessThanOrEqual(box(meta).left);
    expect(box(meta).right).toBeLessThanOrEqual(box(actions).left);
    expect(Math.abs(box(name).top + box(name).height / 2 - (box(actions).top + box(actions).height / 2))).toBeLessThan(4);
    expect(box(actions).right).toBeLessThanOrEqual(box(row).right);
    expect(box(row).height).toBeLessThan(64);
    // The Download link is a button-shaped box, as tall as the buttons beside it.
    const [download, copy] = Array.from(row.querySelectorAll('.ou-uploads__action'));
    expect(box(download!).height).toBe(box(copy!).height);
    // Rows are separated, the panel framed.
    expect(getComputedStyle(panel.querySelector('[data-id="b"]')!).borderTopStyle).toBe('solid');
    expect(getComputedStyle(panel).borderTopStyle).toBe('solid');
  });

  test('375 px: name, details and actions stacked, nothing wider than the screen, every control at least 44 × 44', async () => {
    await page.viewport(375, 800);
    routes(() => Response.json({ uploads: [item('a', LONG_NAME), item('b', '简历.pdf')], nextCursor: 'next' }));
    const panel = await mountPanel();
    const row = panel.querySelector('[data-id="a"]')!;
    const name = row.querySelector<HTMLElement>('.ou-uploads__name')!;
    expect(name.scrollWidth).toBeGreaterThan(name.clientWidth);
    expect(box(row.querySelector('.ou-uploads__meta')).top).toBeGreaterThanOrEqual(box(name).bottom - 1);
    expect(box(row.querySelector('.ou-uploads__actions')).top).toBeGreaterThanOrEqual(box(row.querySelector('.ou-uploads__meta')).bottom - 1);
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(375);
    expect(box(panel).right).toBeLessThanOrEqual(375);

    const controls = Array.from(panel.querySelectorAll<HTMLElement>('a, button'));
    expect(controls.length).toBe(7);
    const small = controls
      .map((element) => ({ element, rect: box(element) }))
      .filter(({ rect }) => rect.height < 44 || rect.width < 44)
      .map(({ element, rect }) => `${element.dataset.action} ${rect.width}×${rect.height}`);
    expect(small).toEqual([]);
  });

  test('keyboard focus on an action is drawn with the focus colour, not clipped by the list', async () => {
    routes(() => Response.json({ uploads: [item('a', 'a.txt')], nextCursor: null }));
    const panel = await mountPanel();
    const copy = panel.querySelector<HTMLElement>('[data-action="copy"]')!;
    copy.focus();
    expect(copy.matches(':focus-visible')).toBe(true);
    const style = getComputedStyle(copy);
    expect(style.outlineStyle).toBe('solid');
    expect(parseFloat(style.outlineWidth)).toBeGreaterThanOrEqual(2);
    for (let node = copy.parentElement; node && node !== panel.parentElement; node = node.parentElement) {
      expect(getComputedStyle(node).overflow, node.className).toBe('visible');
    }
  });
});

describe('Your uploads: states', () => {
  test('loading: busy, with placeholder rows', async () => {
    let release!: (response: Response) => void;
    routes(() => new Promise<Response>((resolve) => (release = resolve)));
    await mountUploader({ showUploads: true, tokenUrl: '/api/sts' });
    const panel = document.querySelector<HTMLElement>('[data-testid="your-uploads"]')!;
    expect(panel.getAttribute('aria-busy')).toBe('true');
    const rows = panel.querySelectorAll('.ou-uploads__skeleton-row');
    expect(rows).toHaveLength(3);
    expect(box(rows[0]!).height).toBeGreaterThan(20);
    expect(panel.querySelector('.ou-uploads__skeleton')!.getAttribute('aria-hidden')).toBe('true');
    release(Response.json({ uploads: [], nextCursor: null }));
    await vi.waitFor(() => expect(panel.getAttribute('aria-busy')).toBe('false'));
  });

  test('empty: a framed sentence', async () => {
    routes(() => Response.json({ uploads: [], nextCursor: null }));
    const panel = await mountPanel();
    const empty = panel.querySelector<HTMLElement>('.ou-uploads__empty')!;
    expect(empty.textContent).toBe('Nothing uploaded yet.');
    expect(getComputedStyle(empty).borderTopStyle).toBe('dashed');
    expect(getComputedStyle(empty).textAlign).toBe('center');
  });

  test('failed: an alert box in the danger colour, with Try again that loads again', async () => {
    let ok = false;
    routes(() => (ok ? Response.json({ uploads: [item('a', 'a.txt')], nextCursor: null }) : new Response('busy', { status: 503 })));
    const panel = await mountPanel();
    const error = panel.querySelector<HTMLElement>('.ou-uploads__error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(getComputedStyle(error).borderTopColor).toBe(getComputedStyle(error.querySelector('.ou-alert')!).color);
    ok = true;
    error.querySelector<HTMLButtonElement>('[data-action="retry"]')!.click();
    await vi.waitFor(() => expect(panel.querySelector('[data-id="a"]')).not.toBeNull());
  });
});

describe('Your uploads: colours', () => {
  test('light and dark differ, following the theme prop (uploader.css defaults: surface #ffffff / #151b23)', async () => {
    const colours = async (theme: 'light' | 'dark') => {
      routes(() => Response.json({ uploads: [item('a', 'a.txt'), item('b', 'b.txt')], nextCursor: null }));
      const panel = await mountPanel(theme);
      const second = panel.querySelector('[data-id="b"]')!;
      const result = {
        panel: getComputedStyle(panel).backgroundColor,
        border: getComputedStyle(panel).borderTopColor,
        stripe: getComputedStyle(second).backgroundColor,
        meta: getComputedStyle(panel.querySelector('.ou-uploads__meta')!).color,
        delete: getComputedStyle(panel.querySelector('[data-action="delete"]')!).color,
      };
      unmountAll();
      return result;
    };
    const light = await colours('light');
    const dark = await colours('dark');
    expect(light.panel).toBe('rgb(255, 255, 255)');
    expect(dark.panel).toBe('rgb(21, 27, 35)');
    for (const key of Object.keys(light) as Array<keyof typeof light>) expect(dark[key], key).not.toBe(light[key]);
    // Alternate rows are striped, not transparent.
    expect(light.stripe).not.toBe('rgba(0, 0, 0, 0)');
  });
});

describe('Your uploads: inside <oss-uploader>', () => {
  test('the panel\'s stylesheet goes into the shadow root, where the panel is styled', async () => {
    routes(() => Response.json({ uploads: [item('a', 'a.txt')], nextCursor: null }));
    const element = document.createElement('oss-uploader');
    element.setAttribute('show-uploads', '');
    element.setAttribute('uploads-url', 'http://app.test/api/uploads');
    Object.assign(element, { createUploader: async () => new FakeUploader() });
    document.body.append(element);
    try {
      const panel = await vi.waitFor(() => {
        const found = element.shadowRoot?.querySelector<HTMLElement>('[data-testid="your-uploads"] [data-id="a"]')?.closest<HTMLElement>('.ou-uploads');
        if (!found) throw new Error('not rendered yet');
        return found;
      });
      expect(element.shadowRoot!.querySelector('#oss-uploader-your-uploads-styles')).not.toBeNull();
      expect(document.head.querySelector('#oss-uploader-your-uploads-styles')).toBeNull();
      expect(getComputedStyle(panel).borderTopStyle).toBe('solid');
    } finally {
      element.remove();
    }
  });
});
