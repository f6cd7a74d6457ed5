/** OSS limit on an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1023;
const FALLBACK_NAME = 'untitled';
const encoder = new TextEncoder();

/**
 * Object key for a file: the token's prefix plus a cleaned relative name. Backslashes become
 * `/`, control characters and bidirectional overrides go (a right-to-left override can make
 * `invoice\u202Efdp.exe` look like a PDF in listings), and empty, `.` and `..` segments are dropped, so a name can
 * neither escape the prefix nor start with `/`. Too long a key is shortened in the file
 * name, keeping its extension.
 */
export function buildObjectKey(prefix: string, name: string): string {
  const cleanPrefix = prefix.replace(/^\/+/, '');
  const relative = sanitizeRelativeName(name) || FALLBACK_NAME;
  return cleanPrefix + fitBytes(relative, MAX_KEY_BYTES - byteLength(cleanPrefix));
}

/**
 * Whether an unfinished upload was started under another identity: it is in the credentials'
 * bucket, but its key lies outside the prefix they may write (every key is built under it), so
 * they can neither continue nor abort it. The identity cookie was lost, or someone else signed in.
 */
export function startedUnderAnotherIdentity(
  upload: { key: string; bucket: string },
  credentials: { prefix: string; bucket: string },
): boolean {
  return upload.bucket === credentials.bucket && !upload.key.startsWith(credentials.prefix.replace(/^\/+/, ''));
}

export function sanitizeRelativeName(name: string): string {
  return name
    .replace(/\\/g, '/')
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
    .join('/');
}

function fitBytes(relative: string, budget: number): string {
  if (byteLength(relative) <= budget) return relative;
  const slash = relative.lastIndexOf('/') + 1;
  const dir = relative.slice(0, slash);
  const base = relative.slice(slash);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : '';
  const stem = ext ? base.slice(0, dot) : base;
  const room = budget - byteLength(ext);
  // When the folders alone are too long, keep the (shortened) file name only.
  const head = byteLength(dir) < room ? dir : '';
  return truncateBytes(head + stem, room) + ext;
}

function truncateBytes(text: string, budget: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return out;
}

function byteLength(text: string): number {
  return encoder.encode(text).length;
}
