import { isValidSubject } from '../token/subject';

/** OSS limits keys to 1023 bytes. */
export const MAX_KEY_BYTES = 1023;

/**
 * The visitor a key belongs to: keys are `<keyPrefix><subject>/<name>`, and STS lets each visitor
 * write under its own `<keyPrefix><subject>/` only, so the prefix, not anything a request says,
 * tells whose object it is. Null for a key outside every visitor prefix, without a name after the
 * prefix, too long, or with `.`/`..` segments.
 */
export function subjectOfKey(keyPrefix: string, key: string): string | null {
  if (!key.startsWith(keyPrefix) || Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return null;
  const rest = key.slice(keyPrefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const subject = rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  if (!isValidSubject(subject) || name === '') return null;
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return null;
  return subject;
}

/** The key's last segment: the name shown when the browser gave none. */
export function keyBaseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1) || key;
}
