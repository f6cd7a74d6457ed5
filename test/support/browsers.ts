/**
 * The one place tests find and start a browser. Chromium is looked for in this order:
 * 1. `CHROMIUM_PATH` (or `CHROME_PATH`), when set: that file, or a clear error if it is not there;
 * 2. the usual install locations (Debian/Ubuntu packages, snap, Google Chrome, macOS apps);
 * 3. Playwright's browser cache (`PLAYWRIGHT_BROWSERS_PATH`, or ~/.cache/ms-playwright), for people
 *    who installed a browser with `npx playwright install chromium`.
 *
 * Firefox (driven by puppeteer-core over WebDriver BiDi) the same way:
 * 1. `FIREFOX_PATH`, when set: that file, or a clear error if it is not there;
 * 2. the usual install locations (Debian's firefox-esr, other distributions' firefox, snap, macOS);
 * 3. puppeteer's browser cache (`PUPPETEER_CACHE_DIR`, or ~/.cache/puppeteer), for people who
 *    installed one with `npx @puppeteer/browsers install firefox`. Playwright's Firefox is a patched
 *    build for Playwright's own protocol, so its cache is not searched.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions } from 'playwright-core';
import type { Browser as PuppeteerBrowser, LaunchOptions as PuppeteerLaunchOptions } from 'puppeteer-core';

/** Flags that keep background work (updates, sync, GPU) out of tests; no sandbox for root in containers. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const USUAL_CHROMIUM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const INSTALL_HINT = 'install Debian\'s "chromium" package (apt-get install chromium), or set CHROMIUM_PATH to a Chromium or Chrome executable';

export class BrowserNotFoundError extends Error {
  override name = 'BrowserNotFoundError';
}

/** The Chromium executable tests use, or null when there is none (see the order above). */
export function findChromium(env: NodeJS.ProcessEnv = process.env, usualPaths: readonly string[] = USUAL_CHROMIUM_PATHS): string | null {
  const chosen = env.CHROMIUM_PATH || env.CHROME_PATH;
  if (chosen) {
    if (!existsSync(chosen)) throw new BrowserNotFoundError(`CHROMIUM_PATH names ${chosen}, which does not exist: ${INSTALL_HINT}.`);
    return chosen;
  }
  return usualPaths.find((path) => existsSync(path)) ?? fromPlaywrightCache(env);
}

/** Like findChromium, but a missing browser is a one-line error naming what to install. */
export function requireChromium(env: NodeJS.ProcessEnv = process.env, usualPaths: readonly string[] = USUAL_CHROMIUM_PATHS): string {
  const path = findChromium(env, usualPaths);
  if (path === null) throw new BrowserNotFoundError(`No Chromium found for the browser tests: ${INSTALL_HINT}.`);
  return path;
}

/** Launch options every test shares; pass extra ones (headless, a profile) on top. */
export function chromiumLaunchOptions(): LaunchOptions & { executablePath: string; args: string[] } {
  return { executablePath: requireChromium(), args: [...CHROMIUM_ARGS] };
}

export function launchChromium(extra: LaunchOptions = {}): Promise<Browser> {
  const base = chromiumLaunchOptions();
  return chromium.launch({ ...base, ...extra, args: [...base.args, ...(extra.args ?? [])] });
}

/** A headless Chromium started by the test and reached over CDP; close() ends it and removes its profile. */
export interface ChromiumOverCdp {
  browser: Browser;
  /** The browser's default context, where Playwright applies none of its per-page overrides. */
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * For tests of the page lifecycle (hidden tabs, `Page.setWebLifecycleState` freeze and resume): a
 * headless Chromium reached with `connectOverCDP(…, { noDefaults: true })`. Pages opened by
 * `chromium.launch` can never be hidden or frozen: Playwright turns on focus emulation for each of
 * them, which Chromium implements as a visible capturer on the tab, so the tab counts as visible
 * whatever happens and a freeze request is accepted but does nothing. Pages of the default context
 * of a browser connected with `noDefaults` have no focus emulation, so they are hidden when another
 * tab is brought to the front and really freeze. Playwright's own launch flags are not passed either
 * (hidden tabs get Chromium's usual timer throttling); `extraArgs` are added to CHROMIUM_ARGS.
 */
export async function launchChromiumOverCdp(extraArgs: readonly string[] = []): Promise<ChromiumOverCdp> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-cdp-'));
  const child = spawn(
    requireChromium(),
    ['--headless', ...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, ...extraArgs, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // never started: there will be no exit
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stderr.setEncoding('utf8');
      const onData = (chunk: string): void => {
        output += chunk;
        const endpointUrl = /DevTools listening on (ws:\/\/\S+)/.exec(output)?.[1];
        if (endpointUrl === undefined) return;
        child.stderr.off('data', onData);
        resolve(endpointUrl);
      };
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`Chromium exited (${code ?? signal}) before its DevTools endpoint was up: ${output.slice(-2000)}`)));
    });
    child.stderr.resume(); // the rest of Chromium's log is not read, but must not fill the pipe
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true });
    const context = browser.contexts()[0];
    if (!context) throw new Error('Chromium has no default context');
    return {
      browser,
      context,
      async close() {
        await browser.close().catch(() => undefined);
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function fromPlaywrightCache(env: NodeJS.ProcessEnv): string | null {
  const cache = env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), process.platform === 'darwin' ? 'Library/Caches/ms-playwright' : '.cache/ms-playwright');
  let entries: string[];
  try {
    entries = readdirSync(cache);
  } catch {
    return null;
  }
  // Newest revision first: chromium-1187 before chromium-1161.
  const revisions = entries.filter((name) => /^chromium-\d+$/.test(name)).sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const revision of revisions) {
    for (const executable of ['chrome-linux/chrome', 'chrome-linux64/chrome', 'chrome-mac/Chromium.app/Contents/MacOS/Chromium']) {
      const path = join(cache, revision, executable);
      if (existsSync(path)) return path;
    }
  }
  return null;
}

const USUAL_FIREFOX_PATHS = [
  '/usr/bin/firefox-esr',
  '/usr/bin/firefox',
  '/snap/bin/firefox',
  '/usr/lib/firefox-esr/firefox-esr',
  '/usr/lib/firefox/firefox',
  '/Applications/Firefox.app/Contents/MacOS/firefox',
];

const FIREFOX_INSTALL_HINT = 'install Debian\'s "firefox-esr" package (apt-get install firefox-esr), or set FIREFOX_PATH to a Firefox executable';

/** The Firefox executable tests use, or null when there is none (see the order at the top). */
export function findFirefox(env: NodeJS.ProcessEnv = process.env, usualPaths: readonly string[] = USUAL_FIREFOX_PATHS): string | null {
  const chosen = env.FIREFOX_PATH;
  if (chosen) {
    if (!existsSync(chosen)) throw new BrowserNotFoundError(`FIREFOX_PATH names ${chosen}, which does not exist: ${FIREFOX_INSTALL_HINT}.`);
    return chosen;
  }
  return usualPaths.find((path) => existsSync(path)) ?? fromPuppeteerCache(env);
}

/** Like findFirefox, but a missing browser is a one-line error naming what to install. */
export function requireFirefox(env: NodeJS.ProcessEnv = process.env, usualPaths: readonly string[] = USUAL_FIREFOX_PATHS): string {
  const path = findFirefox(env, usualPaths);
  if (path === null) throw new BrowserNotFoundError(`No Firefox found for the Firefox tests: ${FIREFOX_INSTALL_HINT}.`);
  return path;
}

/** Launch options every Firefox test shares: headless, over WebDriver BiDi. Pass `userDataDir` for a profile that outlives the browser. */
export function firefoxLaunchOptions(): PuppeteerLaunchOptions & { executablePath: string } {
  return { browser: 'firefox', protocol: 'webDriverBiDi', executablePath: requireFirefox(), headless: true };
}

/** puppeteer-core is loaded only here, so the Vite config (which imports this file) stays light. */
export async function launchFirefox(extra: PuppeteerLaunchOptions = {}): Promise<PuppeteerBrowser> {
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ ...firefoxLaunchOptions(), ...extra });
}

function fromPuppeteerCache(env: NodeJS.ProcessEnv): string | null {
  const cache = join(env.PUPPETEER_CACHE_DIR || join(homedir(), '.cache', 'puppeteer'), 'firefox');
  let entries: string[];
  try {
    entries = readdirSync(cache);
  } catch {
    return null;
  }
  // Folders are <platform>-<channel>_<version>, e.g. linux-stable_140.0.4 or linux-nightly_143.0a1; newest first.
  const builds = entries.filter((name) => /^[a-z0-9_]+-[a-z]+_\d[\w.]*$/.test(name)).sort((a, b) => compareVersions(versionOf(b), versionOf(a)));
  for (const build of builds) {
    for (const executable of ['firefox/firefox', 'Firefox.app/Contents/MacOS/firefox']) {
      const path = join(cache, build, executable);
      if (existsSync(path)) return path;
    }
  }
  return null;
}

function versionOf(build: string): number[] {
  return build.slice(build.lastIndexOf('_') + 1).split('.').map((part) => parseInt(part, 10) || 0);
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
