/**
 * `npm run bench`: runs every benchmark suite in one go and prints one table.
 * Figures are ratios or sizes measured side by side in this run; nothing here is asserted.
 * Pick suites with `BENCH_ONLY=local-oss,engine`.
 *
 * The report (test/bench/REPORT.md, or BENCH_REPORT) is rewritten only between its
 * `<!-- bench:begin -->` and `<!-- bench:end -->` markers: whatever is kept by hand around them
 * (notes from earlier runs) stays. With BENCH_ONLY, the rows of the suites not run stay as they
 * were, and the list above the table says when (and where) each suite was last measured.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow, BenchSuite } from './types';

const SUITES: Record<string, () => Promise<{ run: BenchSuite }>> = {
  'local-oss': () => import('./local-oss'),
  'browser-upload': () => import('./browser-upload'),
  'bundle-size': () => import('./bundle-size'),
  'verified-resume': () => import('./verified-resume'),
  'many-files': () => import('./many-files'),
};

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';
const TABLE_HEADER = ['| suite | measurement | value | note |', '|---|---|---|---|'];

export type SuiteRow = BenchRow & { suite: string };

/** What the generated part of a report holds: when each suite was measured, and its rows (as table lines). */
export interface Generated {
  measured: Map<string, string>;
  lines: Map<string, string[]>;
}

function rowLine(r: SuiteRow): string {
  return `| ${r.suite} | ${r.name} | ${r.value} | ${r.note ?? ''} |`;
}

/** Reads the generated part of an existing report; empty when it has no markers. */
export function parseGenerated(report: string): Generated {
  const generated: Generated = { measured: new Map(), lines: new Map() };
  const begin = report.indexOf(BEGIN);
  const end = report.indexOf(END);
  if (begin < 0 || end < begin) return generated;
  for (const line of report.slice(begin + BEGIN.length, end).split('\n')) {
    const measured = /^- `([\w-]+)`: (.+)$/.exec(line);
    if (measured) generated.measured.set(measured[1]!, measured[2]!);
    const row = /^\| ([\w-]+) \|/.exec(line);
    if (row && row[1] !== 'suite') {
      const list = generated.lines.get(row[1]!) ?? [];
      list.push(line);
      generated.lines.set(row[1]!, list);
    }
  }
  return generated;
}

/** The report with its generated part replaced: the suites just run take the place of their old rows. */
export function mergeReport(previous: string, ran: Map<string, SuiteRow[]>, measuredAs: string, order: readonly string[]): string {
  const old = parseGenerated(previous);
  const measured = new Map(old.measured);
  const lines = new Map(old.lines);
  for (const [suite, rows] of ran) {
    measured.set(suite, measuredAs);
    lines.set(suite, rows.map(rowLine));
  }
  const suites = [...order.filter((s) => lines.has(s) || measured.has(s)), ...[...lines.keys()].filter((s) => !order.includes(s))];
  const block = [
    BEGIN,
    'Each suite was last measured (`npm run bench`, or `BENCH_ONLY=<suites>` for some of them):',
    '',
    ...suites.map((suite) => `- \`${suite}\`: ${measured.get(suite) ?? 'unknown'}`),
    '',
    ...TABLE_HEADER,
    ...suites.flatMap((suite) => lines.get(suite) ?? []),
    END,
  ].join('\n');
  const begin = previous.indexOf(BEGIN);
  const end = previous.indexOf(END);
  if (begin >= 0 && end > begin) return previous.slice(0, begin) + block + previous.slice(end + END.length);
  const title = '# Benchmark report\n';
  const rest = previous.startsWith(title) ? previous.slice(title.length).replace(/^\n+/, '') : previous;
  return `${title}\n${block}\n${rest ? `\n${rest}` : ''}`;
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
  const ran = new Map<string, SuiteRow[]>();
  for (const [name, load] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    const { run } = await load();
    ran.set(name, (await run()).map((row) => ({ suite: name, ...row })));
  }
  const rows = [...ran.values()].flat();
  process.stdout.write([...TABLE_HEADER, ...rows.map(rowLine)].join('\n') + '\n');
  const out = process.env.BENCH_REPORT ?? 'test/bench/REPORT.md';
  const previous = await readFile(out, 'utf8').catch(() => '');
  const measuredAs = `${new Date().toISOString()} on ${process.platform}/${process.arch}, Node ${process.version}`;
  await writeFile(out, mergeReport(previous, ran, measuredAs, Object.keys(SUITES)));
  process.stderr.write(`bench: written to ${out}\n`);
}

// Run as a script (`npm run bench`), not when imported by its test.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
