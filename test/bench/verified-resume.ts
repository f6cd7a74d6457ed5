/**
 * Cost of checking reused parts on resume (`verifyResumedParts`): an upload of BENCH_VERIFY_SIZE_MB
 * (default 4096) with 90 % of its parts on the server and in the IndexedDB checkpoint is resumed to
 * Complete, once with verification (every reused part hashed in workers and compared with the
 * server) and once trusting the server's list. Reported: time from `add(file)` to `finished` for
 * each, their ratio, and the main-thread long tasks (over 50 ms) during each run (Long Tasks API;
 * the script behind the longest is named from Long Animation Frames), and, from one more verifying
 * run under a Chrome trace, the main thread's CPU time in its longest task. Every run is checked: the
 * completed object's size and CRC-64 must equal the local file's, computed in Node (which also
 * leaves the file in the page cache, so no run reads the disk alone).
 *
 * Complete consumes the upload, so every run needs the seeded state anew. It is seeded once over
 * HTTP into a template data directory of the local OSS server; each run starts its own server on a
 * hard-linked copy of it (no bytes copied, same upload id), in its own browser context (fresh
 * IndexedDB, into which the matching checkpoint is written). The variants alternate which goes
 * first, round by round (BENCH_VERIFY_ROUNDS, default 3); figures are medians.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OSS from 'ali-oss';
import type { Browser } from 'playwright-core';
import { DEFAULT_PART_SIZE, planParts } from '../../src/engine';
import type { ResumeRun } from './harness/resume-run';
import { launchChromium } from './support/chromium';
import { traceMainThread, type MainThreadTasks } from './support/main-thread-trace';
import { crc64OfFile } from './support/file-crc64';
import { formatSize, median, sizeFromEnv } from './support/figures';
import { startHarnessServer } from '../support/harness-server';
import { openHarnessPage } from './support/harness-page';
import { linkTree } from './support/link-tree';
import { BENCH_PREFIX, startOssStack } from './support/oss-stack';
import { writeRandomFile } from './support/random-file';
import { countStalledReads, guarded } from './support/watchdog';
import { seedParts, type SeededPart } from './support/seed-parts';
import type { BenchRow, BenchSuite } from './types';

const NAME = 'verified-resume.bin';
const DONE_FRACTION = 0.9;
/** The Long Tasks API reports only tasks over this; the target is none at all. */
const LONG_TASK_MS = 50;

/** What every run starts from: the file, and the server and checkpoint state an interrupted upload left. */
interface Seeded {
  path: string;
  size: number;
  /** Stopped server's data directory, never served itself: each run serves a linked copy. */
  templateDir: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  doneParts: SeededPart[];
  /** Of the local file, computed apart from the engine. */
  crc64: string;
}

type Variant = 'verified' | 'trusted';
/** Warnings from the engine that a blob read stalled and was reopened, over every run. */
let stalledReadsTotal = 0;
const VARIANTS: readonly Variant[] = ['verified', 'trusted'];

export const run: BenchSuite = async () => {
  const size = sizeFromEnv('BENCH_VERIFY_SIZE_MB', 4096);
  const rounds = roundsFromEnv('BENCH_VERIFY_ROUNDS', 3);
  const workDir = await mkdtemp(join(tmpdir(), 'bench-verified-resume-'));
  try {
    const seeded = await seed(workDir, size);
    const harness = await startHarnessServer({ page: 'test/bench/harness/index.html', tempDir: workDir });
    const browser = await launchChromium();
    try {
      const runs: Record<Variant, ResumeRun[]> = { verified: [], trusted: [] };
      let serial = 0;
      for (let round = 0; round < rounds; round++) {
        // Alternating the first variant, so a slow spell on the shared machine does not always hit the same one.
        for (let i = 0; i < VARIANTS.length; i++) {
          const variant = VARIANTS[(round + i) % VARIANTS.length]!;
          const result = await resumeOnce(browser, harness.pageUrl, seeded, variant, join(workDir, `run-${serial++}`));
          runs[variant].push(result);
          process.stderr.write(`  round ${round + 1} ${variant}: ${(result.ms / 1000).toFixed(2)} s, ${result.longTasks.count} long tasks\n`);
        }
      }
      // One more verifying run, under a Chrome trace (not timed with the others: tracing costs a little).
      const traced = await resumeOnce(browser, harness.pageUrl, seeded, 'verified', join(workDir, `run-${serial++}`), true);
      const table = rows(seeded, runs, traced.mainThread!);
      // Reported only when they happened: each costs its run seconds and shows in the times above.
      if (stalledReadsTotal > 0) table.push({ name: 'blob reads that stalled and were reopened (5 s each), all runs', value: String(stalledReadsTotal), note: 'Chromium; should be 0' });
      return table;
    } finally {
      await browser.close();
      await harness.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
};

function roundsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Writes the file and seeds 90 % of its parts (the engine's default part size) into a template server. */
async function seed(workDir: string, size: number): Promise<Seeded> {
  const path = join(workDir, NAME);
  let started = performance.now();
  await writeRandomFile(path, size);
  // Reading the whole file here also leaves it in the page cache, so the first run does not read the disk alone.
  const crc64 = await crc64OfFile(path);
  process.stderr.write(`  ${formatSize(size)} written and its CRC-64 computed in ${seconds(performance.now() - started)}\n`);

  const { partSize, parts } = planParts(size, DEFAULT_PART_SIZE);
  const doneCount = Math.floor(parts.length * DONE_FRACTION);
  if (doneCount < 1 || doneCount >= parts.length) throw new Error(`BENCH_VERIFY_SIZE_MB is too small: ${parts.length} parts leave nothing to verify or nothing to send`);
  const templateDir = join(workDir, 'template');
  const stack = await startOssStack(templateDir);
  try {
    started = performance.now();
    const { uploadId } = await stack.root.initMultipartUpload(BENCH_PREFIX + NAME);
    const doneParts = await seedParts(stack.root, BENCH_PREFIX + NAME, uploadId, path, partSize, doneCount);
    process.stderr.write(`  ${doneCount} of ${parts.length} parts seeded in ${seconds(performance.now() - started)}\n`);
    return { path, size, templateDir, uploadId, partSize, partCount: parts.length, doneParts, crc64 };
  } finally {
    await stack.oss.close();
  }
}

/** One resume to Complete, on its own copy of the seeded server and in a fresh browser context. */
async function resumeOnce(browser: Browser, pageUrl: string, seeded: Seeded, variant: Variant, dataDir: string, traced = false): Promise<ResumeRun & { mainThread?: MainThreadTasks }> {
  await linkTree(seeded.templateDir, dataDir);
  const stack = await startOssStack(dataDir);
  try {
    const harness = await openHarnessPage(browser, pageUrl, stack);
    try {
      const { page } = harness;
      const stalledReads = countStalledReads(page);
      await page.setInputFiles('#file', seeded.path);
      const { uploadId, partSize, doneParts } = seeded;
      await page.evaluate((s) => window.bench.seedCheckpoint(s), { name: NAME, uploadId, partSize, doneParts });
      const resume = (): Promise<ResumeRun> =>
        guarded(page, `resume (${variant}${traced ? ', traced' : ''})`, page.evaluate(([n, verify]) => window.bench.resumeToFinish(n, verify), [NAME, variant === 'verified'] as const));
      const { result, tasks } = traced ? await traceMainThread(browser, page, resume) : { result: await resume(), tasks: undefined };
      await checkRun(result, seeded, variant, stack.root);
      stalledReadsTotal += stalledReads();
      return { ...result, mainThread: tasks };
    } finally {
      await harness.close();
    }
  } finally {
    await stack.oss.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * A figure counts only for a correct resume: the seeded upload continued, every reused part
 * checked and none sent again (or none checked, when trusted), and the stored object has the local
 * file's size and CRC-64, both in the engine's result and as the server reports it.
 */
async function checkRun(run: ResumeRun, seeded: Seeded, variant: Variant, root: OSS): Promise<void> {
  const fail = (why: string): never => {
    throw new Error(`verified-resume (${variant}): ${why}: ${JSON.stringify(run)}`);
  };
  if (!run.resumed || run.notices.length > 0) fail('the seeded upload was not continued cleanly');
  const checked = run.verification?.partsChecked ?? 0;
  const expected = variant === 'verified' ? seeded.doneParts.length : 0;
  if (checked !== expected || (run.verification?.partsResent ?? 0) !== 0) fail(`expected ${expected} parts checked and none resent`);
  if (run.result.size !== seeded.size || run.result.crc64 !== seeded.crc64) fail(`result differs from the local file (size ${seeded.size}, CRC-64 ${seeded.crc64})`);
  const headers = (await root.head(BENCH_PREFIX + NAME)).res.headers as Record<string, string>;
  if (Number(headers['content-length']) !== seeded.size || headers['x-oss-hash-crc64ecma'] !== seeded.crc64) fail(`server object differs: ${JSON.stringify(headers)}`);
}

function rows(seeded: Seeded, runs: Record<Variant, ResumeRun[]>, traced: MainThreadTasks): BenchRow[] {
  const ms = (variant: Variant): number[] => runs[variant].map((r) => r.ms);
  // Ratio within a round (same machine conditions), then the median over rounds.
  const ratio = median(runs.verified.map((r, i) => r.ms / runs.trusted[i]!.ms));
  const label = `${formatSize(seeded.size)}, ${seeded.doneParts.length} of ${seeded.partCount} parts (${formatSize(seeded.partSize)}) on the server`;
  const list = (variant: Variant): string => ms(variant).map((t) => (t / 1000).toFixed(2)).join(', ') + ' s';
  const time = (variant: Variant, what: string): BenchRow => ({
    name: `resume ${label}: add(file) → Complete, ${what}`,
    value: seconds(median(ms(variant))),
    note: `median of ${ms(variant).length}: ${list(variant)}`,
  });
  const longTasks = (variant: Variant, what: string): BenchRow => {
    const all = runs[variant].map((r) => r.longTasks);
    return {
      name: `main-thread long tasks (> ${LONG_TASK_MS} ms) during the resume, ${what}`,
      value: `${Math.max(...all.map((t) => t.count))} (longest ${Math.max(...all.map((t) => t.longestMs)).toFixed(0)} ms)`,
      note: `target none; worst of ${all.length} runs; per run: ${all.map((t) => (t.count === 0 ? '0' : `${t.count}, longest ${t.longestMs.toFixed(0)} ms at +${t.longestAtMs.toFixed(0)} ms${t.longestScript ? ` (${t.longestScript})` : ''}`)).join('; ')} (after add)`,
    };
  };
  return [
    time('verified', 'verifying reused parts'),
    time('trusted', 'trusting the server list (verifyResumedParts: false)'),
    {
      name: `resume time with / without verification, ${formatSize(seeded.size)}`,
      value: ratio.toFixed(2),
      note: `median of per-round ratios; verification hashes ${formatSize(seeded.doneParts.reduce((sum, p) => sum + p.size, 0))} in workers while the rest is sent`,
    },
    longTasks('verified', 'verifying'),
    longTasks('trusted', 'trusting'),
    {
      name: 'main-thread CPU time of the longest task during a verifying resume (Chrome trace)',
      value: `${traced.longestCpu.cpuMs.toFixed(1)} ms`,
      note: `one more verifying run, traced; ${traced.count} tasks; that task lasted ${traced.longestCpu.wallMs.toFixed(1)} ms; the longest by wall time lasted ${traced.longestWall.wallMs.toFixed(1)} ms and used ${traced.longestWall.cpuMs.toFixed(1)} ms of CPU (the rest: the OS ran other threads)`,
    },
    {
      name: `completed object = local file (every run)`,
      value: 'yes',
      note: `size ${seeded.size} B and CRC-64 ${seeded.crc64}, from the engine's result and the server's HEAD, against the file's CRC computed in Node`,
    },
  ];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
