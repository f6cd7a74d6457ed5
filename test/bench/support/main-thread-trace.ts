import type { Browser, Page } from 'playwright-core';

/**
 * The page's main-thread tasks as a Chrome trace records them, with each task's wall time and
 * thread CPU time. The Long Tasks API sees only wall time, which on a busy machine includes the
 * time the OS did not run the thread; the CPU time is what the page's own code cost it.
 */
export interface MainThreadTasks {
  count: number;
  /** The task that used the most CPU: its CPU and wall time, in ms. */
  longestCpu: { cpuMs: number; wallMs: number };
  /** The task that lasted longest: its wall and CPU time, in ms. */
  longestWall: { cpuMs: number; wallMs: number };
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  /** µs, for complete ('X') events. */
  dur?: number;
  /** Thread CPU time, µs. */
  tdur?: number;
  args?: { name?: string };
}

/** Runs `work` under a Chrome trace of top-level tasks and reports the page's main-thread ones. */
export async function traceMainThread<T>(browser: Browser, page: Page, work: () => Promise<T>): Promise<{ result: T; tasks: MainThreadTasks }> {
  // 'toplevel' alone: one event per task, light enough not to change what it measures much.
  await browser.startTracing(page, { categories: ['toplevel'] });
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await browser.stopTracing().catch(() => undefined);
    throw err;
  }
  const trace = await browser.stopTracing();
  return { result, tasks: mainThreadTasks(JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }) };
}

function mainThreadTasks({ traceEvents }: { traceEvents: TraceEvent[] }): MainThreadTasks {
  const mainThreads = new Set(traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = traceEvents
    .filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && mainThreads.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
  if (tasks.length === 0) throw new Error('the trace holds no main-thread task of a page');
  const most = (pick: (task: { wallMs: number; cpuMs: number }) => number) => tasks.reduce((a, b) => (pick(a) >= pick(b) ? a : b));
  return { count: tasks.length, longestCpu: most((t) => t.cpuMs), longestWall: most((t) => t.wallMs) };
}
