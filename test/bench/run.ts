/**
 * `npm run bench`: runs every benchmark suite in one go and prints one table.
 * Figures are ratios or sizes measured side by side in this run; nothing here is asserted.
 * Pick suites with `BENCH_ONLY=local-oss,engine`.
 */
import { writeFile } from 'node:fs/promises';
import type { BenchRow, BenchSuite } from './types';

const SUITES: Record<string, () => Promise<{ run: BenchSuite }>> = {
  'local-oss': () => import('./local-oss'),
  'browser-upload': () => import('./browser-upload'),
  'bundle-size': () => import('./bundle-size'),
  'verified-resume': () => import('./verified-resume'),
  'many-files': () => import('./many-files'),
};

function toMarkdown(rows: Array<BenchRow & { suite: string }>): string {
  const lines = ['| suite | measurement | value | note |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.suite} | ${r.name} | ${r.value} | ${r.note ?? ''} |`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const rows: Array<BenchRow & { suite: string }> = [];
  for (const [name, load] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const { run } = await load();
    for (const row of await run()) rows.push({ suite: name, ...row });
  }
  const md = toMarkdown(rows);
  process.stdout.write(md);
  const out = process.env.BENCH_REPORT ?? 'test/bench/REPORT.md';
  await writeFile(out, `# Benchmark report\n\nMeasured ${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}.\n\n${md}`);
  process.stderr.write(`bench: written to ${out}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
