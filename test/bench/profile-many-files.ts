/**
 * Where the main thread's time goes when many files are selected in the built app (not part of
 * `npm run bench`): `npx tsx test/bench/profile-many-files.ts [count] [sizeKiB] [seconds]`.
 * Records a CPU profile (CDP Profiler, 1 ms sampling) from the selection for `seconds` (default 20),
 * maps the minified frames back to the sources through the build's hidden source maps, and prints
 * self and total time per function, plus the long tasks seen (Long Tasks API) with their start.
 * Then, for each stretch of the profile over 50 ms without an idle sample (a long task, or tasks
 * back to back), the functions that took most of it, so a long task can be traced to its code.
 * The raw profile is written to $PROFILE_OUT (default /tmp/many-files.cpuprofile) for DevTools.
 */
import { randomFillSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SourceMapConsumer } from 'source-map-js';
import { startAppStack } from '../ui/app-stack';
import { launchChromium } from './support/chromium';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

const count = Number(process.argv[2] ?? 10_000);
const sizeKiB = Number(process.argv[3] ?? 100);
const seconds = Number(process.argv[4] ?? 20);
const DIST = resolve(import.meta.dirname, '../../dist/app');

async function main(): Promise<void> {
  const app = await startAppStack();
  const browser = await launchChromium();
  try {
    const dir = join(app.tempDir, 'profile');
    await mkdir(dir, { recursive: true });
    const buffer = Buffer.alloc(sizeKiB * 1024);
    const paths: string[] = [];
    for (let i = 0; i < count; i++) {
      const path = join(dir, `file-${String(i).padStart(5, '0')}`);
      await writeFile(path, randomFillSync(buffer));
      paths.push(path);
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __long: Array<[number, number]>; __selected: number };
      w.__long = [];
      document.addEventListener('change', () => (w.__selected ??= performance.now()), true);
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__long.push([Math.round(e.startTime), Math.round(e.duration)]);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(app.url);
    await page.locator('.ou-drop__zone').waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
    await cdp.send('Profiler.start');
    await page.locator('input[type=file]').first().setInputFiles(paths, { timeout: 600_000 });
    await page.waitForTimeout(seconds * 1000);
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    const state = await page.evaluate(() => {
      const w = window as unknown as { __long: Array<[number, number]>; __selected: number };
      return { long: w.__long, selected: w.__selected, finished: document.querySelector('.ou-totals__files')?.textContent };
    });
    await writeFile(process.env.PROFILE_OUT ?? '/tmp/many-files.cpuprofile', JSON.stringify(profile));
    console.log(`selected at ${Math.round(state.selected)} ms; ${state.finished}`);
    console.log('long tasks [start after selection, ms]:', state.long.filter(([s, d]) => s + d >= state.selected).map(([s, d]) => `${s - Math.round(state.selected)}:${d}`).join(' '));
    await summarise(profile);
  } finally {
    await browser.close();
    await app.close();
  }
}

async function summarise(profile: Profile): Promise<void> {
  const maps = new Map<string, SourceMapConsumer | null>();
  const mapFor = async (url: string): Promise<SourceMapConsumer | null> => {
    if (!maps.has(url)) {
      const name = url.split('/').pop() ?? '';
      const raw = name.endsWith('.js') ? await readFile(join(DIST, 'assets', `${name}.map`), 'utf8').catch(() => null) : null;
      maps.set(url, raw ? new SourceMapConsumer(JSON.parse(raw)) : null);
    }
    return maps.get(url)!;
  };
  const labels = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let label = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    const map = url ? await mapFor(url) : null;
    if (map) {
      const pos = map.originalPositionFor({ line: lineNumber + 1, column: columnNumber });
      if (pos.source) label = `${pos.name ?? functionName ?? '(anonymous)'} ${pos.source.replace(/^.*?(src|node_modules)\//, '$1/')}:${pos.line}`;
    }
    labels.set(node.id, label);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const label = labels.get(id)!;
    self.set(label, (self.get(label) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = labels.get(at)!;
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + ms);
    }
  });
  const top = (m: Map<string, number>, n: number): string =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([l, ms]) => `${ms.toFixed(0).padStart(7)} ms  ${l}`).join('\n');
  console.log('--- self time ---\n' + top(self, 40));
  console.log('--- total time ---\n' + top(total, 60));
  printBusyStretches(profile, labels, parent);
}

/** Stretches of samples with no idle one between them, over 50 ms: what filled each. */
function printBusyStretches(profile: Profile, labels: Map<number, string>, parent: Map<number, number>): void {
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  let at = 0;
  let start = 0;
  let samples: Array<{ id: number; ms: number }> = [];
  const flush = (): void => {
    const ms = samples.reduce((sum, sample) => sum + sample.ms, 0);
    if (ms > 50) {
      const self = new Map<string, number>();
      const total = new Map<string, number>();
      for (const { id, ms: sampleMs } of samples) {
        const label = labels.get(id)!;
        self.set(label, (self.get(label) ?? 0) + sampleMs);
        const seen = new Set<string>();
        for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
          const l = labels.get(node)!;
          if (seen.has(l)) continue;
          seen.add(l);
          total.set(l, (total.get(l) ?? 0) + sampleMs);
        }
      }
      const list = (m: Map<string, number>, n: number): string =>
        [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([l, t]) => `      ${t.toFixed(0).padStart(5)} ms  ${l}`).join('\n');
      console.log(`--- busy ${ms.toFixed(0)} ms from ${(start / 1000).toFixed(0)} ms after the profile began ---`);
      console.log('    self:\n' + list(self, 8));
      console.log('    total:\n' + list(total, 25));
    }
    samples = [];
  };
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (idle.has(id)) flush();
    else {
      if (samples.length === 0) start = at;
      samples.push({ id, ms });
    }
    at += ms * 1000;
  });
  flush();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
