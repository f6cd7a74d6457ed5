import { timingSafeEqual } from 'node:crypto';

/** Constant-time string comparison; only the (public) length can leak. */
export function safeEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
