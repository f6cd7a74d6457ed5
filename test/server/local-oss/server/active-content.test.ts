import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';
import { putTyped } from './typed-put';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

interface Served {
  status: number;
  contentType: string | null;
  disposition: string | null;
  forceDownload: string | null;
  nosniff: string | null;
  body: string;
}

async function open(key: string, options: { method?: 'GET' | 'HEAD'; response?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Served> {
  const method = options.method ?? 'GET';
  const url = harness.client().signatureUrl(key, { method: method as 'GET', ...(options.response ? { response: options.response } : {}) });
  const response = await fetch(url, { method, headers: options.headers });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    disposition: response.headers.get('content-disposition'),
    forceDownload: response.headers.get('x-oss-force-download'),
    nosniff: response.headers.get('x-content-type-options'),
    body: await response.text(),
  };
}

const ACTIVE_TYPES = [
  'text/html',
  'Text/HTML; charset=utf-8',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'application/rss+xml',
  'text/xsl',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'multipart/x-mixed-replace; boundary=x',
];

// Types a browser cannot read as one safe type: it may sniff, or (Fetch "extract a MIME type") take the last of a list.
const UNREADABLE_TYPES = ['', 'image/png, text/html', 'text/html garbage', 'html'];

const PASSIVE_TYPES = ['image/png', 'application/octet-stream', 'text/plain; charset=utf-8', 'video/mp4', 'application/json', 'text/css'];

describe('GET and HEAD of objects a browser would execute', () => {
  it.each([...ACTIVE_TYPES, ...UNREADABLE_TYPES])('force a download of %j with nosniff, keeping the type', async (type) => {
    const key = `active/${encodeURIComponent(type)}.bin`;
    await putTyped(harness, key, '<script>1</script>', type);
    for (const method of ['GET', 'HEAD'] as const) {
      const served = await open(key, { method });
      expect(served).toMatchObject({ status: 200, disposition: 'attachment', forceDownload: 'true', nosniff: 'nosniff' });
      expect(served.contentType ?? '').toBe(type);
    }
  });

  it.each(PASSIVE_TYPES)('serve %j inline as stored, with nosniff and no forced download', async (type) => {
    const key = `passive/${encodeURIComponent(type)}.bin`;
    await putTyped(harness, key, 'data', type);
    for (const method of ['GET', 'HEAD'] as const) {
      const served = await open(key, { method });
      expect(served).toMatchObject({ status: 200, contentType: type, disposition: null, forceDownload: null, nosniff: 'nosniff' });
    }
  });

  it('keeps the stored file name but makes an inline disposition an attachment', async () => {
    await putTyped(harness, 'active/named.html', '<p>x</p>', 'text/html', { 'Content-Disposition': 'inline; filename="report.html"' });
    expect(await open('active/named.html')).toMatchObject({ disposition: 'attachment; filename="report.html"', forceDownload: 'true' });
    await putTyped(harness, 'active/name-only.html', '<p>x</p>', 'text/html', { 'Content-Disposition': 'filename="only.html"' });
    expect(await open('active/name-only.html')).toMatchObject({ disposition: 'attachment; filename="only.html"' });
    await putTyped(harness, 'active/semicolon.html', '<p>x</p>', 'text/html', { 'Content-Disposition': 'inline;filename="a;b.html"' });
    expect(await open('active/semicolon.html')).toMatchObject({ disposition: 'attachment; filename="a;b.html"' });
  });

  it('serves a passive object with its stored inline disposition untouched', async () => {
    await putTyped(harness, 'passive/inline.png', 'png', 'image/png', { 'Content-Disposition': 'inline; filename="a.png"' });
    expect(await open('passive/inline.png')).toMatchObject({ disposition: 'inline; filename="a.png"', forceDownload: null, nosniff: 'nosniff' });
  });

  it('forces the download on a range request too', async () => {
    await putTyped(harness, 'active/range.html', '<script>alert(1)</script>', 'text/html');
    expect(await open('active/range.html', { headers: { Range: 'bytes=0-7' } })).toMatchObject({ status: 206, body: '<script>', disposition: 'attachment', forceDownload: 'true', nosniff: 'nosniff' });
  });
});

describe('response-* overrides cannot turn the forcing off', () => {
  it('forces a download when response-content-type makes a passive object active', async () => {
    await putTyped(harness, 'override/image.png', '<script>1</script>', 'image/png');
    for (const type of ['text/html', ' text/html ', 'TEXT/HTML;charset=utf-8', 'image/svg+xml', 'image/png,text/html', 'text/html/x']) {
      const served = await open('override/image.png', { response: { 'content-type': type } });
      expect(served).toMatchObject({ disposition: 'attachment', forceDownload: 'true', nosniff: 'nosniff' });
      expect(served.contentType?.trim()).toBe(type.trim());
    }
  });

  it('keeps the disposition type attachment when response-content-disposition asks for inline, keeping its file name', async () => {
    await putTyped(harness, 'override/page.html', '<script>1</script>', 'text/html');
    expect(await open('override/page.html', { response: { 'content-disposition': 'inline' } })).toMatchObject({ disposition: 'attachment', forceDownload: 'true' });
    expect(await open('override/page.html', { response: { 'content-disposition': 'INLINE; filename="x.html"' } })).toMatchObject({ disposition: 'attachment; filename="x.html"' });
    expect(await open('override/image.png', { response: { 'content-type': 'text/html', 'content-disposition': 'inline; filename=y.html' } })).toMatchObject({ disposition: 'attachment; filename=y.html' });
  });

  it('serves what the override names: a passive override of an active object is passive, with nosniff', async () => {
    expect(await open('override/page.html', { response: { 'content-type': 'text/plain' } })).toMatchObject({ contentType: 'text/plain', disposition: null, forceDownload: null, nosniff: 'nosniff' });
  });

  it('passes an attachment override of a passive object through unchanged', async () => {
    expect(await open('override/image.png', { response: { 'content-disposition': 'attachment; filename="z.png"' } })).toMatchObject({ disposition: 'attachment; filename="z.png"', forceDownload: null });
  });
});

describe('response-* overrides that are not header values', () => {
  it.each([['content-disposition', 'inline\r\nx-injected: 1'], ['content-type', 'text/plain\u0001']])('refuses %s=%j with InvalidArgument instead of an internal error', async (name, value) => {
    await putTyped(harness, 'override/plain.png', 'png', 'image/png');
    const served = await open('override/plain.png', { response: { [name]: value } });
    expect(served.status).toBe(400);
    expect(served.body).toContain('<Code>InvalidArgument</Code>');
  });
});
