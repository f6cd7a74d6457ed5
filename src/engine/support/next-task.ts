interface SchedulerWithYield {
  yield(): Promise<void>;
}

/**
 * Continues in a new task of the event loop, so the page can paint and handle input between two
 * pieces of work that would otherwise run back to back in one long task (signing a part URL with
 * ali-oss's pure-JS HMAC, starting an XHR, parsing a ListParts page). `scheduler.yield()` (Chromium)
 * resumes ahead of other queued tasks; elsewhere `setImmediate` (Node) or a zero-delay timer does
 * the same job.
 */
export function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<SchedulerWithYield> }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (typeof immediate === 'function' ? immediate(resolve) : setTimeout(resolve, 0)));
}
