/**
 * Browser upload benchmark: one headless Chromium against the embedded local OSS server, the page
 * served by Vite as the app is. All figures come from one run; the machine is shared, so methods
 * are interleaved round by round and compared as ratios within a round (median over rounds).
 *
 * - throughput (BENCH_SIZE_MB, default 512, the size the engine's targets are set for): one raw presigned `fetch` PUT of the whole file, the
 *   engine with its defaults, and ali-oss `multipartUpload` with the same part size and parallelism, 3 rounds;
 *   the CPU time of all Chromium processes and the tab's peak memory for each upload; prototypes of
 *   other part flows (harness/read-once.ts) beside them when named in BENCH_UPLOAD_DESIGNS
 *   (BENCH_UPLOAD_SKIP_ALI_OSS=1 leaves ali-oss out of such a run);
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
import { chromiumCpu, cpuBetween } from './support/process-cpu';
import type { UploadDesign } from './harness/upload-page';
import { writeRandomFile } from './support/random-file';
import { countStalledReads, guarded } from './support/watchdog';
import { seedParts } from './support/seed-parts';
import type { BenchRow, BenchSuite } from './types';

/** Rounds of each part of the suite (BENCH_ROUNDS, default 3). */
const ROUNDS = Number(process.env.BENCH_ROUNDS) > 0 ? Math.floor(Number(process.env.BENCH_ROUNDS)) : 3;
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

/** The methods every run measures. */
const BASE_METHODS = ['raw', 'engine', 'engineServerCrc', 'aliOss'] as const;
type BaseMethod = (typeof BASE_METHODS)[number];

/**
 * Bench-only prototypes of the engine's part flow that read each byte once (harness/read-once.ts),
 * and engine settings around them, measured side by side with the methods above when named in
 * BENCH_UPLOAD_DESIGNS (comma-separated), e.g. `worker-send,main-send`.
 */
const DESIGNS: Record<string, { spec: UploadDesign; label: string }> = {
  // Read once, then send from memory (an ArrayBuffer body: measured at ~20 MiB/s and ~90 CPU s/GiB in Chromium, so only for small files).
  'worker-send-buffer': { spec: { design: 'workerSend', workers: 1, body: 'buffer' }, label: 'read once in 1 worker, hashed there, PUT of the ArrayBuffer from the worker' },
  'main-send-buffer': { spec: { design: 'mainSend', workers: 1, body: 'buffer' }, label: 'read once on the main thread, PUT of the ArrayBuffer, buffer transferred to 1 hashing worker' },
  // Read once, then send a Blob made of the bytes read.
  'worker-send': { spec: { design: 'workerSend', workers: 1 }, label: 'read once in 1 worker, hashed there, PUT of new Blob([bytes]) from the worker' },
  'worker-send-2': { spec: { design: 'workerSend', workers: 2 }, label: 'read once in 2 workers, hashed there, PUT of new Blob([bytes]) from the worker' },
  'worker-send-4': { spec: { design: 'workerSend', workers: 4 }, label: 'read once in 4 workers (one per part in flight), PUT of new Blob([bytes])' },
  'main-send': { spec: { design: 'mainSend', workers: 1 }, label: 'read once on the main thread, PUT of new Blob([bytes]), buffer transferred to 1 hashing worker' },
  'worker-send-8m': { spec: { design: 'workerSend', workers: 1, partSize: 8 * MIB }, label: 'read once in 1 worker, PUT of new Blob([bytes]), 8 MiB parts' },
  // Two reads as today, the hashing one a single stream over the file, a few parts ahead of the sends.
  'stream-ahead': { spec: { design: 'streamAhead', ahead: 4 }, label: 'Blob slices sent as today; CRC-64s from one stream over the file in 1 worker, ≤ 4 parts ahead' },
  'stream-ahead-free': { spec: { design: 'streamAhead' }, label: 'Blob slices sent as today; CRC-64s from one stream over the file, unpaced' },
  'stream-ahead-byob': { spec: { design: 'streamAhead', ahead: 4, reader: 'byob' }, label: 'as stream-ahead, BYOB reads of 2 MiB' },
  'stream-ahead-byob-512k': { spec: { design: 'streamAhead', ahead: 4, reader: 'byob', chunkBytes: 512 * 1024 }, label: 'as stream-ahead, BYOB reads of 512 KiB (the engine\'s chunk size)' },
  'stream-ahead-byob-free': { spec: { design: 'streamAhead', reader: 'byob' }, label: 'as stream-ahead, BYOB reads of 2 MiB, unpaced' },
  'stream-ahead-byob-8m': { spec: { design: 'streamAhead', ahead: 8, reader: 'byob', partSize: 8 * MIB }, label: 'as stream-ahead, BYOB reads of 2 MiB, 8 MiB parts, ≤ 8 parts ahead' },
  'stream-ahead-8m': { spec: { design: 'streamAhead', ahead: 8, partSize: 8 * MIB }, label: 'as stream-ahead, 8 MiB parts, ≤ 8 parts ahead' },
  'stream-ahead-64m': { spec: { design: 'streamAhead', ahead: 2, partSize: 64 * MIB, parallel: 2 }, label: 'as stream-ahead, 64 MiB × 2, ≤ 2 parts ahead' },
  // The engine as shipped with other settings.
  'engine-8m': { spec: { design: 'engine', partSize: 8 * MIB }, label: 'engine as shipped, 8 MiB parts' },
  'engine-64m': { spec: { design: 'engine', partSize: 64 * MIB, parallel: 2 }, label: 'engine as shipped, 64 MiB × 2' },
  'engine-x2': { spec: { design: 'engine', parallel: 2 }, label: 'engine as shipped, parallel 2' },
  'server-crc-8m': { spec: { design: 'serverCrc', partSize: 8 * MIB }, label: 'no local read (server-crc.ts), 8 MiB parts' },
};

type Method = BaseMethod | `design:${string}`;

function selectedMethods(): Method[] {
  const raw = process.env.BENCH_UPLOAD_DESIGNS;
  const designs = raw ? raw.split(',').filter(Boolean) : [];
  const unknown = designs.filter((name) => !(name in DESIGNS));
  if (unknown.length > 0) throw new Error(`BENCH_UPLOAD_DESIGNS: unknown ${unknown.join(', ')} (known: ${Object.keys(DESIGNS).join(', ')})`);
  const skipAli = process.env.BENCH_UPLOAD_SKIP_ALI_OSS === '1';
  return [...BASE_METHODS.filter((m) => !(skipAli && m === 'aliOss')), ...designs.map((d) => `design:${d}` as const)];
}

async function uploadOnce(page: Page, method: Method, name: string): Promise<number> {
  if (method.startsWith('design:')) {
    const spec = DESIGNS[method.slice('design:'.length)]!.spec;
    return guarded(page, `${method} ${name}`, page.evaluate(([n, d]) => window.bench.designUpload(n, d), [name, spec] as const));
  }
  switch (method as BaseMethod) {
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

interface Measured {
  ms: number;
  /** CPU seconds of all Chromium processes during the upload. */
  cpu: number;
  /** Peak renderer RSS during the upload, over the one just before it. */
  rendererPeakOver: number;
}

/** One upload, with the CPU all Chromium processes used for it and the tab's peak memory. */
async function measure(browser: Browser, page: Page, method: Method, name: string): Promise<Measured> {
  const renderers = (await chromiumProcesses(browser)).renderers;
  const rendererRss = async (): Promise<number> => Math.max(0, ...(await Promise.all(renderers.map(async (pid) => (await rssOf(pid)) ?? 0))));
  const rssBefore = await rendererRss();
  let peak = rssBefore;
  const cpuBefore = await chromiumCpu(browser);
  let finished = false;
  const upload = uploadOnce(page, method, name).finally(() => (finished = true));
  while (!finished) {
    await Promise.race([upload.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, MEMORY_SAMPLE_MS))]);
    peak = Math.max(peak, await rendererRss());
  }
  const ms = await upload;
  const cpu = cpuBetween(cpuBefore, await chromiumCpu(browser));
  return { ms, cpu, rendererPeakOver: peak - rssBefore };
}

async function throughput({ browser, page, stack, workDir }: Context, size: number): Promise<BenchRow[]> {
  const path = join(workDir, 'throughput.bin');
  await writeRandomFile(path, size);
  await page.setInputFiles('#file', path);
  const methods = selectedMethods();
  const runs = new Map<Method, Measured[]>(methods.map((m) => [m, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with a different method, so a slow spell on the machine does not always hit the same one.
    for (let i = 0; i < methods.length; i++) {
      const method = methods[(round + i) % methods.length]!;
      const name = `${method.replace(':', '-')}-${round}.bin`;
      const taken = await measure(browser, page, method, name);
      runs.get(method)!.push(taken);
      process.stderr.write(
        `  round ${round + 1} ${method}: ${(taken.ms / 1000).toFixed(2)} s, ${taken.cpu.toFixed(2)} CPU s, renderer peak +${formatSize(taken.rendererPeakOver)}\n`,
      );
      // Keeps disk use at one copy; deleting is not timed.
      await stack.root.delete(BENCH_PREFIX + name);
    }
  }
  await rm(path);

  const ms = (method: Method): number[] => runs.get(method)!.map((r) => r.ms);
  // Ratios of times within one round (same machine conditions), then the median over rounds.
  const perRound = (a: Method, b: Method): number[] => ms(a).map((t, i) => ms(b)[i]! / t);
  const gib = size / (1024 * MIB);
  const cpuPerGib = (method: Method): number => median(runs.get(method)!.map((r) => r.cpu / gib));
  const cpuRounds = (method: Method): string => runs.get(method)!.map((r) => (r.cpu / gib).toFixed(2)).join(', ');
  const seconds = (method: Method): string => ms(method).map((t) => (t / 1000).toFixed(2)).join(', ') + ' s';
  const label = formatSize(size);
  const rows: BenchRow[] = [
    {
      name: `raw presigned PUT of ${label} (one fetch of the File)`,
      value: `${(size / MIB / (median(ms('raw')) / 1000)).toFixed(0)} MiB/s`,
      note: `rounds: ${seconds('raw')}; the reference for the ratios below`,
    },
    {
      name: `engine / raw PUT, ${label} (throughput ratio)`,
      value: median(perRound('engine', 'raw')).toFixed(2),
      note: `target ≥ 1.0; engine defaults (${formatSize(DEFAULT_PART_SIZE)} × ${DEFAULT_PARALLEL}); rounds: ${seconds('engine')}`,
    },
    {
      name: `engine without reading parts for its CRC-64 check / raw PUT, ${label} (throughput ratio)`,
      value: median(perRound('engineServerCrc', 'raw')).toFixed(2),
      note: `bench-only variant: each part's CRC taken from the server's answer, nothing read twice; the gap to the row above is what the end-to-end check costs on this machine; rounds: ${seconds('engineServerCrc')}`,
    },
    {
      name: `Chromium CPU seconds per GiB (all Chromium processes), engine and raw PUT, ${label}`,
      value: `engine ${cpuPerGib('engine').toFixed(2)} s, raw ${cpuPerGib('raw').toFixed(2)} s (${(cpuPerGib('engine') / cpuPerGib('raw')).toFixed(2)}×)`,
      note: `target engine ≤ 1.2× raw; user + system time of every Chromium process (/proc/<pid>/stat) over each upload, median of rounds (engine ${cpuRounds('engine')}; raw ${cpuRounds('raw')}; without the CRC-64 read ${cpuRounds('engineServerCrc')})`,
    },
  ];
  if (runs.has('aliOss')) {
    rows.push(
      {
        name: `ali-oss multipartUpload / raw PUT, ${label} (throughput ratio)`,
        value: median(perRound('aliOss', 'raw')).toFixed(3),
        note: `${formatSize(ALI_OSS_PART_SIZE)} × ${ALI_OSS_PARALLEL}; rounds: ${seconds('aliOss')}`,
      },
      { name: `engine / ali-oss multipartUpload, ${label} (speed-up)`, value: `${median(perRound('engine', 'aliOss')).toFixed(1)}×`, note: 'target ≥ 15×' },
    );
  }
  for (const method of methods.filter((m) => m.startsWith('design:'))) {
    const design = DESIGNS[method.slice('design:'.length)]!;
    const peak = median(runs.get(method)!.map((r) => r.rendererPeakOver));
    rows.push({
      name: `prototype ${method.slice('design:'.length)} / raw PUT, ${label} (throughput ratio)`,
      value: median(perRound(method, 'raw')).toFixed(2),
      note: `${design.label}; ${cpuPerGib(method).toFixed(2)} CPU s/GiB (${(cpuPerGib(method) / cpuPerGib('raw')).toFixed(2)}× raw); renderer peak +${formatSize(peak)}; rounds: ${seconds(method)}`,
    });
  }
  rows.push({
    name: `renderer peak RSS over the idle tab during each upload, ${label}`,
    value: `engine +${formatSize(median(runs.get('engine')!.map((r) => r.rendererPeakOver)))}`,
    note: `median of rounds; raw +${formatSize(median(runs.get('raw')!.map((r) => r.rendererPeakOver)))}, without the CRC-64 read +${formatSize(median(runs.get('engineServerCrc')!.map((r) => r.rendererPeakOver)))}`,
  });
  return rows;
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

