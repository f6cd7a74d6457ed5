import type { PartPlan, PlannedPart } from '../contracts';
import { UploadError } from '../errors/upload-errors';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const DEFAULT_PART_SIZE = 32 * MiB;
/** OSS rejects non-final parts below 100 KB at Complete; ali-oss uses the same 102,400 bytes. */
export const MIN_PART_SIZE = 100 * KiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE;

/**
 * Splits a file of `size` bytes into parts. The preferred size is clamped to OSS limits and
 * raised when the file would otherwise need more than 10,000 parts. A file that fits in one
 * part (including an empty one) goes as a single PutObject.
 */
export function planParts(size: number, preferredPartSize: number = DEFAULT_PART_SIZE): PartPlan {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid file size: ${size}`);
  if (size > MAX_OBJECT_SIZE) {
    throw new UploadError({
      code: 'TOO_LARGE',
      message: `The file is ${formatBytes(size)}; the storage service accepts at most ${formatBytes(MAX_OBJECT_SIZE)} per file.`,
      retryable: false,
    });
  }
  const clamped = Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, Math.floor(preferredPartSize) || DEFAULT_PART_SIZE));
  const partSize = Math.max(clamped, Math.ceil(size / MAX_PARTS));

  if (size <= partSize) {
    return { partSize, single: true, parts: [{ number: 1, start: 0, end: size }] };
  }
  const parts: PlannedPart[] = [];
  for (let start = 0, number = 1; start < size; start += partSize, number++) {
    parts.push({ number, start, end: Math.min(start + partSize, size) });
  }
  return { partSize, single: false, parts };
}

export function partLength(part: PlannedPart): number {
  return part.end - part.start;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * GiB) return `${(bytes / (1024 * GiB)).toFixed(1)} TiB`;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
