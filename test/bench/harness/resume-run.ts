/**
 * Page side of the verified-resume bench: a resume run to Complete, timed, with the main-thread
 * long tasks seen meanwhile. Kept apart from upload-page.ts, which only exposes it on `window.bench`.
 */
import { createUploader } from '../../../src/engine';
import type { ResumeVerification, UploadResult } from '../../../src/engine';
import { traceUpload } from './trace';

/** Main-thread tasks over 50 ms, as the browser's Long Tasks API reports them. */
export interface LongTasks {
  count: number;
  /** 0 when there were none. */
  longestMs: number;
  /** When the longest began, in ms after `add(file)`: tells start-up work from work spread over the run. */
  longestAtMs: number;
  /**
   * The script that ran longest during the longest task, e.g. "XMLHttpRequest.onreadystatechange in
   * ali-oss.js", from the Long Animation Frames API (the Long Tasks API names no script); '' when unknown.
   */
  longestScript: string;
}

export interface ResumeRun {
  /** From `add(file)` to `finished` (Complete answered). */
  ms: number;
  result: UploadResult;
  resumed: boolean;
  notices: string[];
  verification: ResumeVerification | null;
  /** Long tasks that started between `add(file)` and `finished`. */
  longTasks: LongTasks;
}

/** A long animation frame with the scripts that ran in it (Chromium; not in lib.dom yet). */
interface LoafEntry extends PerformanceEntry {
  scripts: Array<{ invoker: string; sourceURL: string; duration: number }>;
}

/**
 * Collects long tasks from now on. `buffered` also delivers tasks from before (page load), so only
 * those starting at or after `since` count. A task is reported once it has ended, so `stop` lets
 * a timer turn pass before taking the records still queued. Long animation frames are watched
 * alongside only to name the script behind the longest task.
 */
function watchLongTasks(since: number): { stop(): Promise<LongTasks> } {
  if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) throw new Error('this browser does not report long tasks');
  const tasks = collect<PerformanceEntry>('longtask', since);
  const frames = collect<LoafEntry>('long-animation-frame', since);
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [taskList, frameList] = [tasks.stop(), frames.stop()];
      const longest = taskList.reduce<PerformanceEntry | undefined>((a, b) => (a && a.duration >= b.duration ? a : b), undefined);
      return {
        count: taskList.length,
        longestMs: longest?.duration ?? 0,
        longestAtMs: longest ? longest.startTime - since : 0,
        longestScript: longest ? scriptDuring(longest, frameList) : '',
      };
    },
  };
}

/** Entries of `type` starting at or after `since`; none when the browser lacks the type. */
function collect<T extends PerformanceEntry>(type: string, since: number): { stop(): T[] } {
  const entries: T[] = [];
  const take = (list: PerformanceEntryList): void => {
    for (const entry of list) if (entry.startTime >= since) entries.push(entry as T);
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  if (PerformanceObserver.supportedEntryTypes.includes(type)) observer.observe({ type, buffered: true });
  return {
    stop() {
      take(observer.takeRecords());
      observer.disconnect();
      return entries;
    },
  };
}

function scriptDuring(task: PerformanceEntry, frames: readonly LoafEntry[]): string {
  const frame = frames.find((f) => f.startTime <= task.startTime + 1 && f.startTime + f.duration >= task.startTime + task.duration - 1);
  const script = frame?.scripts.reduce<LoafEntry['scripts'][number] | undefined>((a, b) => (a && a.duration >= b.duration ? a : b), undefined);
  if (!script) return '';
  const file = script.sourceURL.split('?')[0]!.split('/').pop();
  return file ? `${script.invoker} in ${file}` : script.invoker;
}

/**
 * Adds `file` to a fresh uploader with the default IndexedDB storage (so the seeded checkpoint is
 * found as after a reload) and the default hasher (whose workers `destroy()` stops); only
 * `verifyResumedParts` differs between the runs compared.
 */
export async function resumeToFinish(file: File, key: string, verifyResumedParts: boolean): Promise<ResumeRun> {
  const uploader = await createUploader({ getCredentials: () => window.getCredentials(), verifyResumedParts, pageEvents: null });
  try {
    const started = performance.now();
    const longTasks = watchLongTasks(started);
    const upload = uploader.add(file, { key });
    traceUpload(`resume ${key}${verifyResumedParts ? ', verifying' : ''}`, upload);
    const result = await upload.finished;
    const ms = performance.now() - started;
    const snapshot = upload.snapshot();
    return {
      ms,
      result,
      resumed: snapshot.resumed,
      notices: snapshot.notices.map((notice) => notice.message),
      verification: snapshot.verification ?? null,
      longTasks: await longTasks.stop(),
    };
  } finally {
    uploader.destroy();
  }
}
