/**
 * A Chromium that the test can kill like a crash (SIGKILL, no chance to flush or say goodbye),
 * on a profile directory that outlives it, so IndexedDB checkpoints survive into the next start.
 * Launched by hand with a DevTools port and driven over CDP: playwright's own launchers close the
 * browser politely, which would hide exactly the cases this is for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS, requireChromium } from '../../support/browsers';

export interface KillableChromium {
  browser: Browser;
  /** The profile's default context: the one whose storage lives in the profile directory. */
  context: BrowserContext;
  /** SIGKILL to the browser and every process it started; resolves once the browser has exited. */
  kill(): Promise<void>;
}

export async function launchKillableChromium(profileDir: string): Promise<KillableChromium> {
  const child = spawn(
    requireChromium(),
    [...CHROMIUM_ARGS, '--headless', '--remote-debugging-port=0', `--user-data-dir=${profileDir}`, 'about:blank'],
    // Its own process group, so the kill reaches the renderers and helpers too.
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const wsEndpoint = await devToolsEndpoint(child);
  const browser = await chromium.connectOverCDP(wsEndpoint);
  const context = browser.contexts()[0];
  if (!context) throw new Error('Chromium started without its default context');
  return {
    browser,
    context,
    async kill() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await exited;
      // The connection is already gone; this only releases playwright's side of it.
      await browser.close().catch(() => undefined);
    },
  };
}

/** Chromium prints `DevTools listening on ws://…` on stderr once it accepts connections. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        child.stderr?.off('data', onData);
        // Keep draining, or a chatty Chromium would block on a full pipe.
        child.stderr?.resume();
        resolve(match[1]);
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before DevTools was ready: ${output.slice(-500)}`)));
  });
}
