import { afterEach, describe, expect, test, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import YourUploads from '../../src/ui/components/YourUploads.vue';
import type { UploadListItem } from '../../src/shared/token-response';
import { FakeUploader, fileOf } from './fake-uploader';
import { firstFileInput, mountUploader, pickFiles, unmountAll } from './mount-uploader';

function item(id: string, name: string, size = 2048): UploadListItem {
  return {
    id,
    key: `uploads/v/${name}`,
    name,
    size,
    crc64: '1',
    etag: 'E',
    mimeType: null,
    createdAt: '2026-11-28T10:00:00.000Z',
    downloadUrl: `http://oss.test/uploads/v/${encodeURIComponent(name)}?Signature=s`,
    downloadUrlExpiration: '2026-11-28T10:05:00.000Z',
  };
}

/** The records routes, answering from `items` pages of `size`, with DELETE answers scripted. */
function fakeRoutes(items: UploadListItem[], size = 2) {
  const requests: Array<{ method: string; url: string; credentials: RequestCredentials | undefined }> = [];
  const deleteStatus = new Map<string, number>();
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    requests.push({ method, url: url.pathname + url.search, credentials: init?.credentials });
    if (method === 'DELETE') {
      const id = decodeURIComponent(url.pathname.split('/').pop()!);
      const status = deleteStatus.get(id) ?? 204;
      if (status === 204) items.splice(items.findIndex((i) => i.id === id), 1);
      return new Response(status === 204 ? null : JSON.stringify({ error: { code: 'X', message: 'x' } }), { status });
    }
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const page = items.slice(start, start + size);
    const next = start + size < items.length ? String(start + size) : null;
    return Response.json({ uploads: page, nextCursor: next });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests, deleteStatus };
}

/** Lets fetches, their bodies and the re-render finish (a Response body is read in a later task). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

const mounted: VueWrapper[] = [];
async function mountPanel(fetchImpl: typeof fetch, refreshKey = 0): Promise<VueWrapper> {
  const wrapper = mount(YourUploads, { props: { uploadsUrl: '/api/uploads', fetch: fetchImpl, refreshKey, pageSize: 2 }, attachTo: document.body });
  mounted.push(wrapper);
  await settle();
  return wrapper;
}

afterEach(() => {
  for (const wrapper of mounted.splice(0)) wrapper.unmount();
  unmountAll();
});

describe('Your uploads', () => {
  test('lists uploads as a labelled list, name, size and time, and loads more with the cursor', async () => {
    const { fetchImpl, requests } = fakeRoutes([item('a', '简历.pdf'), item('b', 'b.txt'), item('c', 'c.txt')]);
    const wrapper = await mountPanel(fetchImpl);
    const list = wrapper.get('ul');
    expect(list.attributes('aria-labelledby')).toBe(wrapper.get('h2').attributes('id'));
    expect(wrapper.get('h2').text()).toBe('Your uploads');
    expect(wrapper.findAll('li .ou-uploads__name').map((n) => n.text())).toEqual(['简历.pdf', 'b.txt']);
    expect(wrapper.get('li .ou-uploads__meta').text()).toContain('2');
    expect(wrapper.get('li .ou-uploads__meta').text()).toContain('2026');
    expect(requests[0]).toEqual({ method: 'GET', url: '/api/uploads?limit=2', credentials: 'include' });

    await wrapper.get('[data-action="more"]').trigger('click');
    await settle();
    expect(requests[1]?.url).toBe('/api/uploads?limit=2&cursor=2');
    expect(wrapper.findAll('li .ou-uploads__name').map((n) => n.text())).toEqual(['简历.pdf', 'b.txt', 'c.txt']);
    expect(wrapper.find('[data-action="more"]').exists()).toBe(false);
  });

  test('formats the times of all rows with one date formatter, not one per row and render', async () => {
    const Original = Intl.DateTimeFormat;
    let built = 0;
    Intl.DateTimeFormat = function DateTimeFormat(...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      built++;
      return new Original(...args);
    } as unknown as typeof Intl.DateTimeFormat;
    try {
      const { fetchImpl } = fakeRoutes([item('a', 'a.txt'), item('b', 'b.txt'), item('c', 'c.txt')]);
      const wrapper = await mountPanel(fetchImpl);
      await wrapper.get('[data-action="more"]').trigger('click');
      await settle();
      const times = wrapper.findAll('li .ou-uploads__meta').map((meta) => meta.text());
      expect(times).toHaveLength(3);
      expect(times.every((text) => text.includes('2026'))).toBe(true);
      expect(built).toBeLessThanOrEqual(1);
    } finally {
      Intl.DateTimeFormat = Original;
    }
  });

  test('Download links to the presigned URL; buttons are labelled with the file name', async () => {
    const { fetchImpl } = fakeRoutes([item('a', '简历.pdf')]);
    const wrapper = await mountPanel(fetchImpl);
    const link = wrapper.get('[data-action="download"]');
    expect(link.attributes('href')).toBe(item('a', '简历.pdf').downloadUrl);
    expect(link.attributes('aria-label')).toBe('Download 简历.pdf');
    expect(wrapper.get('[data-action="copy"]').attributes('aria-label')).toBe('Copy the download link of 简历.pdf');
    expect(wrapper.get('[data-action="delete"]').attributes('aria-label')).toBe('Delete 简历.pdf');
  });

  test('Copy link copies the URL and says until when it works', async () => {
    const { fetchImpl } = fakeRoutes([item('a', 'a.txt')]);
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    const wrapper = await mountPanel(fetchImpl);
    await wrapper.get('[data-action="copy"]').trigger('click');
    await settle();
    expect(writeText).toHaveBeenCalledWith(item('a', 'a.txt').downloadUrl);
    expect(wrapper.get('[role="status"]').text()).toMatch(/^Link to a\.txt copied\. It works until .*2026.*\.$/);
    writeText.mockRestore();
  });

  test('Delete: 204 removes the item, 404 too (already gone), 502 keeps it and says try again', async () => {
    const { fetchImpl, requests, deleteStatus } = fakeRoutes([item('a', 'a.txt'), item('b', 'b.txt')], 10);
    deleteStatus.set('b', 502);
    const wrapper = await mountPanel(fetchImpl);
    await wrapper.get('[data-id="a"] [data-action="delete"]').trigger('click');
    await settle();
    expect(requests.at(-1)).toEqual({ method: 'DELETE', url: '/api/uploads/a', credentials: 'include' });
    expect(wrapper.find('[data-id="a"]').exists()).toBe(false);
    expect(wrapper.get('[role="status"]').text()).toBe('a.txt was deleted.');

    await wrapper.get('[data-id="b"] [data-action="delete"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-id="b"]').exists()).toBe(true);
    expect(wrapper.get('[role="status"]').text()).toBe('b.txt could not be deleted. Try again in a moment.');

    deleteStatus.set('b', 404);
    await wrapper.get('[data-id="b"] [data-action="delete"]').trigger('click');
    await settle();
    expect(wrapper.find('[data-id="b"]').exists()).toBe(false);
    expect(wrapper.get('[role="status"]').text()).toBe('b.txt was already deleted.');
  });

  test('the uploader panel shows it with showUploads only, and reloads it after each finished upload', async () => {
    const { fetchImpl, requests } = fakeRoutes([item('a', 'a.txt')]);
    const off = await mountUploader({});
    expect(off.wrapper.find('[data-testid="your-uploads"]').exists()).toBe(false);
    off.wrapper.unmount();

    const original = globalThis.fetch;
    globalThis.fetch = fetchImpl;
    try {
      const engine = new FakeUploader();
      const { wrapper } = await mountUploader({ showUploads: true, tokenUrl: '/api/sts' }, engine);
      expect(wrapper.get('[data-testid="your-uploads"] h2').text()).toBe('Your uploads');
      expect(requests.map((r) => r.url)).toEqual(['/api/uploads?limit=20']);
      await pickFiles(firstFileInput(), [fileOf('new.txt', 10)]);
      engine.added[0]!.finish();
      await settle();
      expect(requests.map((r) => r.url)).toEqual(['/api/uploads?limit=20', '/api/uploads?limit=20']);
    } finally {
      globalThis.fetch = original;
    }
  });

  test('a burst of finished uploads reloads the list once after the load in flight, not once per file', async () => {
    const requests: string[] = [];
    const held: Array<() => void> = [];
    const original = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      requests.push(new URL(String(input)).pathname);
      await new Promise<void>((release) => held.push(release));
      return Response.json({ uploads: [], nextCursor: null });
    }) as typeof fetch;
    try {
      const engine = new FakeUploader();
      await mountUploader({ showUploads: true, tokenUrl: '/api/sts' }, engine);
      expect(requests).toHaveLength(1);
      await pickFiles(firstFileInput(), Array.from({ length: 5 }, (_, i) => fileOf(`f${i}.txt`, 10)));
      for (const upload of engine.added) upload.finish();
      await settle();
      // The first load is still held: the five reloads wait as one.
      expect(requests).toHaveLength(1);
      held.shift()!();
      await settle();
      expect(requests).toHaveLength(2);
      held.shift()!();
      await settle();
      expect(requests).toHaveLength(2);
    } finally {
      globalThis.fetch = original;
    }
  });
});
