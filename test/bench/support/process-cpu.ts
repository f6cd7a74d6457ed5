import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { chromiumProcesses } from './process-memory';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux builds seen here). */
const TICKS_PER_SECOND = ticksPerSecond();

function ticksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/** CPU seconds (user + system, all threads) a process has used so far (Linux /proc), or undefined once it is gone. */
export async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by each of Chromium's processes, keyed by pid. */
export async function chromiumCpu(browser: Browser): Promise<Map<number, number>> {
  const { all } = await chromiumProcesses(browser);
  const times = new Map<number, number>();
  await Promise.all(
    all.map(async (pid) => {
      const seconds = await cpuSecondsOf(pid);
      if (seconds !== undefined) times.set(pid, seconds);
    }),
  );
  return times;
}

/**
 * CPU seconds all Chromium processes used between two `chromiumCpu` readings. A process started in
 * between counts from zero; one that ended in between is missed (none do during an upload here).
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
