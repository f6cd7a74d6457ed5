import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, never a downloaded one; flags that keep background work off the measurements. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
