/**
 * Browser upload benchmark: one headless Chromium against the embedded local OSS server, the page
 * served by Vite as the app is. All figures come from one run; the machine is shared, so methods
 * are interleaved round by round and compared as ratios within a round (median over rounds).
 *
 * - throughput (BENCH_SIZE_MB, default 512, the size the engine's targets are set for): one raw presigned `fetch` PUT of the whole file, the
 *   engine with its defaults, and ali-oss `multipartUpload` with the same part size and parallelism, 3 rounds;
 * - resume: from `add(file)` to the first new part request, for an upload with 9,999 of its
 *   10,000 parts on the server and in the IndexedDB checkpoint;
 * - memory (BENCH_MEMORY_SIZE_MB, default 4096): the tab's peak RSS and JS heap while the engine
 *   uploads a large file.
 * Pick parts with BENCH_BROWSER_PARTS=throughput,resume,memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_PARALLEL, DEFAULT_PART_SIZE } from '../../src/engine';
import { launchChromium } from './support/chromium';
import { formatSize, median, MIB, sizeFromEnv } from './support/figures';
import { startHarnessServer } from '../support/harness-server';
import { BENCH_PREFIX, startOssStack, type OssStack } from './support/oss-stack';
import { chromiumProcesses, rssOf } from './support/process-memory';
import { writeRandomFile } from './support/random-file';
import { countStalledReads, guarded } from './support/watchdog';
import { seedParts } from './support/seed-parts';
import type { BenchRow, BenchSuite } from './types';

const ROUNDS = 3;
/** ali-oss gets the engine's own defaults, so only the way parts are sent differs. */
const ALI_OSS_PART_SIZE = DEFAULT_PART_SIZE;
const ALI_OSS_PARALLEL = DEFAULT_PARALLEL;
/** The smallest part OSS accepts, so 10,000 parts (the OSS maximum) make a file of about 1 GB. */
const RESUME_PART_SIZE = 100 * 1024;
const RESUME_PARTS = 10_000;
const RESUME_DONE = RESUME_PARTS - 1;
const MEMORY_SAMPLE_MS = 200;
const PARTS = ['throughput', 'resume', 'memory'] as const;
type Part = (typeof PARTS)[number];

interface Context {
  browser: Browser;
  page: Page;
  stack: OssStack;
  workDir: string;
}

export const run: BenchSuite = async () => {
  const parts = selectedParts();
  const workDir = await mkdtemp(join(tmpdir(), 'bench-browser-upload-'));
  const stack = await startOssStack(join(workDir, 'oss'));
  const harness = await startHarnessServer({ page: 'test/bench/harness/index.html', tempDir: workDir });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
    await page.exposeFunction('getCredentials', () => stack.credentials());
    const stalledReads = countStalledReads(page);
    await page.goto(harness.pageUrl);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    await page.evaluate(() => window.bench.warmUp());
    const ctx: Context = { browser, page, stack, workDir };
    const rows: BenchRow[] = [];
    if (parts.has('throughput')) rows.push(...(await throughput(ctx, sizeFromEnv('BENCH_SIZE_MB', 512))));
    if (parts.has('resume')) rows.push(await resume(ctx));
    if (parts.has('memory')) rows.push(...(await memory(ctx, sizeFromEnv('BENCH_MEMORY_SIZE_MB', 4096))));
    const slow = await page.evaluate(() => window.bench.slowHashes());
    // Reported only when they happened: each costs its part seconds and shows in the figures above.
    if (stalledReads() > 0) rows.push({ name: 'blob reads that stalled and were reopened (5 s each)', value: String(stalledReads()), note: 'Chromium; should be 0' });
    if (slow > 0) rows.push({ name: 'engine part hashes that took over 10 s (a stalled hashing worker replaced)', value: String(slow), note: 'should be 0' });
    return rows;
  } finally {
    await browser.close();
    await harness.close();
    await stack.oss.close();
    await rm(workDir, { recursive: true, force: true });
  }
};

function selectedParts(): Set<Part> {
  const raw = process.env.BENCH_BROWSER_PARTS;
  if (!raw) return new Set(PARTS);
  const chosen = raw.split(',').filter(Boolean);
  const unknown = chosen.filter((name) => !(PARTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_BROWSER_PARTS: unknown ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  return new Set(chosen as Part[]);
}

type Method = 'raw' | 'engine' | 'engineServerCrc' | 'aliOss';
const METHODS: readonly Method[] = ['raw', 'engine', 'engineServerCrc', 'aliOss'];

async function uploadOnce(page: Page, method: Method, name: string): Promise<number> {
  switch (method) {
    case 'raw':
      return guarded(page, `raw PUT ${name}`, page.evaluate((n) => window.bench.rawPut(n), name));
    case 'engine':
    case 'engineServerCrc':
      return guarded(page, `engine ${name}`, page.evaluate(([n, localCrc]) => window.bench.engineUpload(n, localCrc), [name, method === 'engine'] as const));
    case 'aliOss':
      return guarded(
        page,
        `ali-oss ${name}`,
        page.evaluate(([n, size, parallel]) => window.bench.aliOssUpload(n, size, parallel), [name, ALI_OSS_PART_SIZE, ALI_OSS_PARALLEL] as const),
      );
  }
}

async function throughput({ page, stack, workDir }: Context, size: number): Promise<BenchRow[]> {
  const path = join(workDir, 'throughput.bin');
  await writeRandomFile(path, size);
  await page.setInputFiles('#file', path);
  const ms: Record<Method, number[]> = { raw: [], engine: [], engineServerCrc: [], aliOss: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with a different method, so a slow spell on the machine does not always hit the same one.
    for (let i = 0; i < METHODS.length; i++) {
      const method = METHODS[(round + i) % METHODS.length]!;
      const name = `${method}-${round}.bin`;
      const taken = await uploadOnce(page, method, name);
      ms[method].push(taken);
      process.stderr.write(`  round ${round + 1} ${method}: ${(taken / 1000).toFixed(2)} s\n`);
      // Keeps disk use at one copy; deleting is not timed.
      await stack.root.delete(BENCH_PREFIX + name);
    }
  }
  await rm(path);

  // Ratios of times within one round (same machine conditions), then the median over rounds.
  const perRound = (a: Method, b: Method): number[] => ms[a].map((t, i) => ms[b][i]! / t);
  const engineVsRaw = median(perRound('engine', 'raw'));
  const serverCrcVsRaw = median(perRound('engineServerCrc', 'raw'));
  const aliVsRaw = median(perRound('aliOss', 'raw'));
  const engineVsAli = median(perRound('engine', 'aliOss'));
  const seconds = (method: Method): string => ms[method].map((t) => (t / 1000).toFixed(2)).join(', ') + ' s';
  const label = formatSize(size);
  return [
    {
      name: `raw presigned PUT of ${label} (one fetch of the File)`,
      value: `${(size / MIB / (median(ms.raw) / 1000)).toFixed(0)} MiB/s`,
      note: `rounds: ${seconds('raw')}; the reference for the ratios below`,
    },
    {
      name: `engine / raw PUT, ${label} (throughput ratio)`,
      value: engineVsRaw.toFixed(2),
      note: `target ≥ 0.9; engine defaults (${formatSize(DEFAULT_PART_SIZE)} × ${DEFAULT_PARALLEL}); rounds: ${seconds('engine')}`,
    },
    {
      name: `engine without reading parts for its CRC-64 check / raw PUT, ${label} (throughput ratio)`,
      value: serverCrcVsRaw.toFixed(2),
      note: `bench-only variant: each part's CRC taken from the server's answer, nothing read twice; the gap to the row above is what the end-to-end check costs on this machine; rounds: ${seconds('engineServerCrc')}`,
    },
    {
      name: `ali-oss multipartUpload / raw PUT, ${label} (throughput ratio)`,
      value: aliVsRaw.toFixed(3),
      note: `${formatSize(ALI_OSS_PART_SIZE)} × ${ALI_OSS_PARALLEL}; rounds: ${seconds('aliOss')}`,
    },
    { name: `engine / ali-oss multipartUpload, ${label} (speed-up)`, value: `${engineVsAli.toFixed(1)}×`, note: 'target ≥ 10×' },
  ];
}

async function resume({ page, stack, workDir }: Context): Promise<BenchRow> {
  const name = 'resume.bin';
  const key = BENCH_PREFIX + name;
  const path = join(workDir, name);
  await writeRandomFile(path, RESUME_PART_SIZE * RESUME_PARTS);
  const { uploadId } = await stack.root.initMultipartUpload(key);
  try {
    const seedStart = performance.now();
    const doneParts = await seedParts(stack.root, key, uploadId, path, RESUME_PART_SIZE, RESUME_DONE);
    process.stderr.write(`  resume: ${RESUME_DONE} parts seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`);
    await page.setInputFiles('#file', path);
    await page.evaluate((seed) => window.bench.seedCheckpoint(seed), { name, uploadId, partSize: RESUME_PART_SIZE, doneParts });

    // Each probe stops at its first part request (a pause: the checkpoint stays), so the next finds the same state.
    const probes = [];
    for (let round = 0; round < ROUNDS; round++) {
      const probe = await guarded(page, `resume probe ${round + 1}`, page.evaluate((n) => window.bench.resumeToFirstPart(n), name));
      if (!probe.resumed || probe.notices.length > 0) throw new Error(`resume did not continue the seeded upload: ${JSON.stringify(probe)}`);
      probes.push(probe);
    }
    const times = probes.map((p) => p.msToFirstPart);
    return {
      name: `resume with ${RESUME_DONE.toLocaleString('en')} of ${RESUME_PARTS.toLocaleString('en')} parts done: add(file) → first new part request`,
      value: `${median(times).toFixed(0)} ms`,
      note: `median of ${ROUNDS} (${times.map((t) => t.toFixed(0)).join(', ')} ms): fingerprint, IndexedDB checkpoint, first of ${Math.ceil(RESUME_PARTS / 1000)} ListParts pages (the rest is read while missing parts upload); ${formatSize(probes[0]!.bytesAlreadyDone)} already done`,
    };
  } finally {
    // Reported, not thrown: an error here must not hide the one that ended the measurement.
    await stack.root.abortMultipartUpload(key, uploadId).catch((err: unknown) => process.stderr.write(`  resume clean-up: ${String(err)}\n`));
    await rm(path);
  }
}

interface MemorySample {
  rendererRss: number;
  allRss: number;
  jsHeap: number;
}

async function memory({ browser, page, stack, workDir }: Context, size: number): Promise<BenchRow[]> {
  const name = 'memory.bin';
  const path = join(workDir, name);
  await writeRandomFile(path, size);
  await page.setInputFiles('#file', path);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // Listed once the tab is open, so its renderer is among them.
  const processes = await chromiumProcesses(browser);

  const sample = async (): Promise<MemorySample> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const renderer = await Promise.all(processes.renderers.map(async (pid) => (await rssOf(pid)) ?? 0));
    const all = await Promise.all(processes.all.map(async (pid) => (await rssOf(pid)) ?? 0));
    return {
      // With one tab, the largest renderer is the tab's (a spare renderer, if any, stays small).
      rendererRss: Math.max(0, ...renderer),
      allRss: all.reduce((a, b) => a + b, 0),
      jsHeap: metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0,
    };
  };

  const before = await sample();
  const peak: MemorySample = { ...before };
  let finished = false;
  const upload = guarded(page, `engine ${name}`, page.evaluate((n) => window.bench.engineUpload(n, true), name)).finally(() => (finished = true));
  while (!finished) {
    const now = await sample();
    peak.rendererRss = Math.max(peak.rendererRss, now.rendererRss);
    peak.allRss = Math.max(peak.allRss, now.allRss);
    peak.jsHeap = Math.max(peak.jsHeap, now.jsHeap);
    await new Promise((resolve) => setTimeout(resolve, MEMORY_SAMPLE_MS));
  }
  const ms = await upload;
  await cdp.detach();
  await stack.root.delete(BENCH_PREFIX + name);
  await rm(path);

  const budget = `parallel × part size = ${DEFAULT_PARALLEL} × ${formatSize(DEFAULT_PART_SIZE)} = ${formatSize(DEFAULT_PARALLEL * DEFAULT_PART_SIZE)}`;
  const label = formatSize(size);
  return [
    {
      name: `tab (renderer process) peak RSS during the engine upload of ${label}`,
      value: `${formatSize(peak.rendererRss)} (+${formatSize(peak.rendererRss - before.rendererRss)})`,
      note: `+ is over the idle tab (${formatSize(before.rendererRss)}); compare with ${budget}; upload took ${(ms / 1000).toFixed(1)} s, sampled every ${MEMORY_SAMPLE_MS} ms`,
    },
    {
      name: `tab JS heap (main thread) peak during the engine upload of ${label}`,
      value: `${formatSize(peak.jsHeap)} (+${formatSize(peak.jsHeap - before.jsHeap)})`,
      note: `${formatSize(before.jsHeap)} idle; CDP Performance.getMetrics JSHeapUsedSize; workers not included`,
    },
    {
      name: `all Chromium processes, peak summed RSS during the engine upload of ${label}`,
      value: `${formatSize(peak.allRss)} (+${formatSize(peak.allRss - before.allRss)})`,
      note: `${formatSize(before.allRss)} idle; ${processes.all.length} processes (browser, network, renderers…)`,
    },
  ];
}

