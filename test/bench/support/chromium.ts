import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumLaunchOptions } from '../../support/browsers';


/**
 * Debian's Chromium, never a downloaded one, with flags that keep background work off the
 * measurements, sharing the machine as a browser on a user's desk would: first.
 *
 * The local servers stand in for OSS, which runs on other machines, yet here they share two cores
 * with the browser. Chrome traces and `perf sched` of the verified-resume runs showed the page's main
 * thread runnable but not run for 40–217 ms, inside tasks that used 0.4–2.3 ms of CPU, while
 * this process (the servers) and Chromium's IO threads ran. Two causes, two fixes:
 * - Linux groups threads by session for scheduling (autogroup): Chromium starts a session of its
 *   own, and the two sessions got equal shares whatever the threads' priorities. This process's
 *   group is lowered once the browser runs, so the servers get the CPU the browser leaves.
 * - As root, Chromium raises its IO threads to nice -8, which a user's browser cannot; as root it
 *   starts without CAP_SYS_NICE, so its threads run at the priority they would for a user.
 * With both, the main thread waited at most 5 ms for a CPU in 7 runs.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await launchAsUser();
  lowerOwnSessionGroup();
  return browser;
}

async function launchAsUser(): Promise<Browser> {
  const { executablePath, args } = chromiumLaunchOptions();
  const options = { args };
  if (process.getuid?.() !== 0 || !hasSetpriv()) return chromium.launch({ ...options, executablePath });
  // Playwright runs one executable with its own arguments, so the capability drop needs a wrapper;
  // once Chromium has replaced the shell, the script is no longer needed.
  const dir = await mkdtemp(join(tmpdir(), 'bench-chromium-'));
  try {
    const wrapper = join(dir, 'chromium');
    await writeFile(wrapper, `#!/bin/sh\nexec setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice '${executablePath}' "$@"\n`);
    await chmod(wrapper, 0o755);
    return await chromium.launch({ ...options, executablePath: wrapper });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function hasSetpriv(): boolean {
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Autogroup niceness of this process's session (Linux; a new browser starts its own group at 0). */
const SERVERS_GROUP_NICENESS = 10;

function lowerOwnSessionGroup(): void {
  try {
    writeFileSync('/proc/self/autogroup', String(SERVERS_GROUP_NICENESS));
  } catch {
    // No autogroup scheduling here (another OS, or turned off): every thread competes on its own.
  }
}
