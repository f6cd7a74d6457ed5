/** One line of the benchmark report printed by `npm run bench`. */
export interface BenchRow {
  /** What was measured, e.g. "local OSS PUT 1 GiB vs fs write". */
  name: string;
  /** The figure, e.g. "0.84" or "212 MiB". */
  value: string;
  /** How it was measured or the target it is compared with. */
  note?: string;
}

/** Each benchmark area exports one of these; `test/bench/run.ts` runs them all in one go. */
export type BenchSuite = () => Promise<BenchRow[]>;
