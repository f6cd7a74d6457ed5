import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';

/** Resident set size of a process in bytes (Linux /proc), or undefined once it is gone. */
export async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

interface ProcessInfo {
  type: string;
  id: number;
}

export interface ChromiumProcesses {
  renderers: number[];
  /** Every process: browser, network service, renderers, utilities. */
  all: number[];
}

/** Chromium's processes, from the browser's own list (CDP SystemInfo.getProcessInfo). */
export async function chromiumProcesses(browser: Browser): Promise<ChromiumProcesses> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: ProcessInfo[] };
    return { renderers: processInfo.filter((p) => p.type === 'renderer').map((p) => p.id), all: processInfo.map((p) => p.id) };
  } finally {
    await session.detach();
  }
}
