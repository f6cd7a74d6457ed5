/** Small number helpers shared by the bench suites. */
const KIB = 1024;
export const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatSize(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(2)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / KIB).toFixed(1)} KiB`;
}

/** A positive size in MiB from an environment variable, or the default. */
export function sizeFromEnv(name: string, defaultMib: number): number {
  const raw = process.env[name];
  const mib = raw === undefined || raw === '' ? defaultMib : Number(raw);
  if (!(mib > 0)) throw new Error(`${name} must be a positive number of MiB, got "${raw}"`);
  return Math.round(mib * MIB);
}
