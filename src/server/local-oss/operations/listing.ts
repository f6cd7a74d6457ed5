import { OssError } from '../errors';
import { compareUtf8 } from '../storage/bucket-store';

export interface ListWindow {
  prefix: string;
  delimiter: string;
  /** Only names strictly after this one (marker, start-after, decoded continuation token). */
  after: string;
  max: number;
}

export interface ListPage<T> {
  items: T[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** Last key or common prefix returned; the next page starts after it. */
  last: string | undefined;
}

/**
 * One page of a byte-ordered list, with `delimiter` rolling keys into common prefixes that count
 * toward `max` like keys do (ListObjects and ListMultipartUploads share this).
 */
export function listPage<T>(sorted: readonly T[], nameOf: (item: T) => string, window: ListWindow): ListPage<T> {
  const { prefix, delimiter, after, max } = window;
  const page: ListPage<T> = { items: [], commonPrefixes: [], isTruncated: false, last: undefined };
  let count = 0;
  for (let index = firstAfter(sorted, nameOf, after); index < sorted.length; index++) {
    const item = sorted[index]!;
    const name = nameOf(item);
    if (!name.startsWith(prefix)) {
      if (compareUtf8(name, prefix) > 0) break;
      continue;
    }
    const cut = delimiter === '' ? -1 : name.indexOf(delimiter, prefix.length);
    const commonPrefix = cut === -1 ? null : name.slice(0, cut + delimiter.length);
    // A prefix already returned (or named by the marker) is not returned again.
    if (commonPrefix !== null && (commonPrefix === page.last || compareUtf8(commonPrefix, after) <= 0)) continue;
    if (count === max) {
      page.isTruncated = true;
      break;
    }
    count++;
    if (commonPrefix === null) page.items.push(item);
    else page.commonPrefixes.push(commonPrefix);
    page.last = commonPrefix ?? name;
  }
  return page;
}

function firstAfter<T>(sorted: readonly T[], nameOf: (item: T) => string, after: string): number {
  if (after === '') return 0;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareUtf8(nameOf(sorted[middle]!), after) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `max-keys` / `max-uploads` / `max-parts`: absent → fallback; not 1..limit → InvalidArgument. */
export function parseMax(name: string, value: string | undefined, fallback: number, limit: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= 1 && parsed <= limit)) {
    throw new OssError('InvalidArgument', `Argument ${name} must be an integer between 1 and ${limit}.`, { ArgumentName: name, ArgumentValue: value });
  }
  return parsed;
}

/** `encoding-type=url`: names are URL-encoded in the XML (keys may contain characters XML cannot carry). */
export function nameEncoder(encodingType: string | undefined): (name: string) => string {
  if (encodingType === undefined || encodingType === '') return (name) => name;
  if (encodingType !== 'url') throw new OssError('InvalidArgument', 'encoding-type must be url.', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  return (name) => encodeURIComponent(name).replace(/%2F/g, '/');
}
