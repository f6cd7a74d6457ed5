/** Locale-aware number formatting for sizes, speeds, percentages, durations and ages. */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * Formatters by locale and kind, made once: building an Intl.NumberFormat costs far more than
 * formatting with it, and every rendered row and the totals format sizes and percentages on each
 * progress tick.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, kind: 'bytes0' | 'bytes1' | 'percent'): Intl.NumberFormat {
  const id = `${kind}\u0000${locale}`;
  let format = numberFormats.get(id);
  if (!format) {
    const digits = kind === 'bytes1' ? 1 : 0;
    format =
      kind === 'percent'
        ? new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 })
        : new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });
    numberFormats.set(id, format);
  }
  return format;
}

/** 1024-based, one decimal from KB up: "1.5 GB". */
export function formatBytes(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = numberFormat(locale, unit === 0 ? 'bytes0' : 'bytes1').format(value);
  return `${number} ${BYTE_UNITS[unit]}`;
}

/** Floors, so 99.9 % never shows as 100 % before the upload is done. */
export function formatPercent(fraction: number, locale: string): string {
  const floored = Math.floor(Math.min(1, Math.max(0, fraction)) * 100) / 100;
  return numberFormat(locale, 'percent').format(floored);
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * "Nov 28, 2026, 10:00 AM" in the locale, or the text itself when it is no date. One formatter per
 * locale, made once (as for numbers above): a list of uploads formats a time on every row.
 */
export function formatDateTime(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format = dateTimeFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    dateTimeFormats.set(locale, format);
  }
  return format.format(date);
}

/** "1:02:03" or "2:03": the same in every language. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

const AGE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
];

/** "5 minutes ago", "昨天". */
export function formatAge(since: number, now: number, locale: string): string {
  let value = Math.max(0, (now - since) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of AGE_STEPS) {
    if (value < size) return format.format(-Math.floor(value), unit);
    value /= size;
  }
  return format.format(-Math.floor(value), 'day');
}
