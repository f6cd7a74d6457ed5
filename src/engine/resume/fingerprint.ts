/** Bytes read from each sampled region. */
const SAMPLE_BYTES = 64 * 1024;

/**
 * A stable identity for a file across page reloads, to find its checkpoint when it is selected
 * again: name, size, lastModified and type, plus a SHA-256 of its first, middle and last 64 KiB
 * (the whole file when smaller than three samples). Sampling keeps it instant for files of any
 * size. An edit outside the samples that keeps name, size and lastModified goes unnoticed; editors
 * and copies update lastModified, so in practice that takes a deliberate touch-back.
 * Format: `v1:<64 hex digits>`.
 */
export async function fingerprintFile(file: File): Promise<string> {
  const header = new TextEncoder().encode(JSON.stringify(['v1', file.name, file.size, file.lastModified, file.type]));
  const samples = await Promise.all(sampleRanges(file.size).map(([start, end]) => file.slice(start, end).arrayBuffer()));
  const digest = await crypto.subtle.digest('SHA-256', await new Blob([header, ...samples]).arrayBuffer());
  return `v1:${toHex(new Uint8Array(digest))}`;
}

/** [start, end) byte ranges to hash; fixed by the size alone, so equal sizes sample the same places. */
export function sampleRanges(size: number): Array<[number, number]> {
  if (size <= 3 * SAMPLE_BYTES) return [[0, size]];
  const middle = Math.floor((size - SAMPLE_BYTES) / 2);
  return [
    [0, SAMPLE_BYTES],
    [middle, middle + SAMPLE_BYTES],
    [size - SAMPLE_BYTES, size],
  ];
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
