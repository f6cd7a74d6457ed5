import { OssError } from '../errors';
import type { OssRequest } from '../request';
import type { ObjectTags } from '../storage/records';

/**
 * OSS object tag limits (help: "Object tagging", EC 0010-00000216): at most 10 tags per object with
 * unique keys; a key 1–128 characters, a value up to 256; case-sensitive; letters, digits, spaces
 * and `+ - = . _ : /`. OSS documents these by
 * EC only; the code here is InvalidArgument (unconfirmed) with the EC in the error XML.
 */
export const MAX_TAGS = 10;
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;

/** Letters, digits, spaces and `+ - = . _ : /` (same EC). */
const ALLOWED = /^[\p{L}\p{N} +\-=._:/]*$/u;

function invalidTags(message: string, ec: string): OssError {
  return new OssError('InvalidArgument', message, { EC: ec });
}

/** Checks the limits; returns the tags, or undefined for none. */
export function checkTags(entries: ReadonlyArray<readonly [string, string]>): ObjectTags | undefined {
  if (entries.length > MAX_TAGS) throw invalidTags(`An object can have at most ${MAX_TAGS} tags; ${entries.length} were given.`, '0010-00000216');
  const tags: ObjectTags = {};
  for (const [key, value] of entries) {
    if (key === '' || [...key].length > MAX_TAG_KEY_CHARS) throw invalidTags(`A tag key must be 1 to ${MAX_TAG_KEY_CHARS} characters.`, '0010-00000216');
    if ([...value].length > MAX_TAG_VALUE_CHARS) throw invalidTags(`A tag value must be at most ${MAX_TAG_VALUE_CHARS} characters.`, '0010-00000216');
    if (!ALLOWED.test(key) || !ALLOWED.test(value)) throw invalidTags('Tag keys and values may contain letters, digits, spaces and + - = . _ : / only.', '0010-00000216');
    if (Object.hasOwn(tags, key)) throw invalidTags(`The tag key ${key} is given twice; tag keys must be unique.`, '0010-00000216');
    tags[key] = value;
  }
  return entries.length === 0 ? undefined : tags;
}

/**
 * `x-oss-tagging: k1=v1&k2=v2` (keys and values URL-encoded; `k` alone = empty value). Undefined when
 * the header is absent or empty. `aa=bb=cc` is OSS's example of a malformed header (EC 0010-00000219).
 */
export function taggingHeaderOf(request: OssRequest): ObjectTags | undefined {
  const header = request.headers['x-oss-tagging'];
  if (header === undefined || header === '') return undefined;
  const entries = header.split('&').map((pair): [string, string] => {
    const parts = pair.split('=');
    if (parts.length > 2) throw invalidTags('x-oss-tagging must be key1=value1&key2=value2.', '0010-00000219');
    try {
      return [decodeURIComponent(parts[0] ?? ''), decodeURIComponent(parts[1] ?? '')];
    } catch {
      throw invalidTags('x-oss-tagging is not valid URL-encoded UTF-8.', '0010-00000219');
    }
  });
  return checkTags(entries);
}
