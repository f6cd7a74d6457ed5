import type { Browser, Download } from 'playwright-core';
import { launchChromium } from '../../../support/browsers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';
import { putTyped } from './typed-put';

let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  harness = await startHarness();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await harness?.dispose();
});

// Each body sets a global the moment its script runs; the test reads it from the page afterwards.
const HTML = '<!doctype html><html><head><title>inert</title></head><body><script>window.__executed = true; document.title = "executed";</script></body></html>';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.__executed = true;</script></svg>';
const XHTML = '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>inert</title></head><body><script>window.__executed = true;</script></body></html>';

interface Case {
  name: string;
  key: string;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  response?: Record<string, string>;
  filename?: string;
}

const CASES: Case[] = [
  { name: 'text/html stored under a .png key', key: 'active/page.png', contentType: 'text/html', body: HTML, headers: { 'Content-Disposition': 'inline; filename="page.png"' }, filename: 'page.png' },
  { name: 'a type with case and parameters', key: 'active/upper.png', contentType: 'Text/HTML; charset=utf-8', body: HTML },
  { name: 'SVG', key: 'active/image.svg', contentType: 'image/svg+xml', body: SVG },
  { name: 'XHTML', key: 'active/page.xhtml', contentType: 'application/xhtml+xml', body: XHTML },
  { name: 'an image/png object opened with response-content-type=text/html and inline', key: 'active/override.png', contentType: 'image/png', body: HTML, response: { 'content-type': 'text/html', 'content-disposition': 'inline' } },
  { name: 'an empty Content-Type', key: 'active/untyped', contentType: '', body: HTML },
];

describe('active content opened from a presigned URL in Chromium', () => {
  it.each(CASES)('does not run the script of $name: the navigation becomes a download', async ({ key, contentType, body, headers, response, filename }) => {
    await putTyped(harness, key, body, contentType, headers);
    const url = harness.client().signatureUrl(key, response ? { response } : {});
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const page = await context.newPage();
      const download = page.waitForEvent('download', { timeout: 10_000 }).catch(() => null);
      // A download aborts the navigation ("Download is starting"); a rendered page loads.
      await page.goto(url).catch(() => undefined);
      const executed = await page.evaluate(() => (window as unknown as { __executed?: boolean }).__executed === true);
      expect(executed).toBe(false);
      expect(page.url()).not.toBe(url);
      const started: Download | null = await download;
      expect(started).not.toBeNull();
      if (filename !== undefined) expect(started?.suggestedFilename()).toBe(filename);
      await started?.cancel();
    } finally {
      await context.close();
    }
  });
});
