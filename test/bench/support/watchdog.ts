import type { Page } from 'playwright-core';

/** A measurement still running after this has stopped making sense on any machine. */
const LIMIT_MS = Number(process.env.BENCH_STALL_MINUTES ?? 10) * 60_000;

/**
 * Waits for `work` (a measurement in the page), but not forever: past the limit the page's trace
 * (upload states, errors, progress) is printed and the bench fails naming the step, instead of
 * hanging silently.
 */
export async function guarded<T>(page: Page, label: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      void dumpTrace(page).finally(() => reject(new Error(`bench step "${label}" did not end within ${LIMIT_MS / 60_000} min`)));
    }, LIMIT_MS);
  });
  try {
    return await Promise.race([work, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

async function dumpTrace(page: Page): Promise<void> {
  const lines = await Promise.race([
    page.evaluate(() => window.bench.trace()),
    new Promise<string[]>((resolve) => setTimeout(() => resolve(['(the page did not answer: its main thread is stuck)']), 10_000)),
  ]).catch((err: unknown) => [`(could not read the page's trace: ${String(err)})`]);
  process.stderr.write(`page trace, last ${lines.length} lines:\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
}

/**
 * Counts the page's (and its workers') warnings that a blob read stalled and was reopened
 * (crc64-blob.ts), so the report says when a figure includes such a recovery.
 */
export function countStalledReads(page: Page): () => number {
  let count = 0;
  page.on('console', (message) => {
    if (message.type() === 'warning' && message.text().includes('reading the file stalled')) count++;
  });
  return () => count;
}
