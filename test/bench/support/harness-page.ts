import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { OssStack } from './oss-stack';

export interface HarnessPage {
  page: Page;
  /** Closes the page and its browser context (and with it the context's IndexedDB). */
  close(): Promise<void>;
}

/**
 * The harness page in a browser context of its own, so nothing (IndexedDB checkpoints, HTTP cache,
 * workers) is left from an earlier measurement. Credentials come from `stack`; ali-oss is loaded
 * before returning, so no measurement pays for importing it.
 */
export async function openHarnessPage(browser: Browser, pageUrl: string, stack: OssStack): Promise<HarnessPage> {
  const context: BrowserContext = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
    await page.exposeFunction('getCredentials', () => stack.credentials());
    await page.goto(pageUrl);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    await page.evaluate(() => window.bench.warmUp());
    return { page, close: () => context.close() };
  } catch (err) {
    await context.close();
    throw err;
  }
}
