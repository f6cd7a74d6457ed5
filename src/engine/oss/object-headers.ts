import { callbackVarWithFileName } from '../../shared/upload-callback';
import type { Credentials } from '../contracts';

/** OSS limit on all user metadata (`x-oss-meta-*` names and values) of one object, in bytes. */
export const MAX_META_BYTES = 8 * 1024;
/** Numbered keys tried after the first (`name (1).ext` … `name (99).ext`) before giving up. */
export const MAX_NUMBERED_KEYS = 99;

/** What is stored with the object, per uploader and per file (`AddOptions` wins). */
export interface ObjectSettings {
  /** User metadata, sent as `x-oss-meta-<name>`; already validated. */
  meta?: Record<string, string>;
  cacheControl?: string;
  /** Store `Content-Disposition: attachment` with the original file name. */
  contentDisposition?: boolean;
  /** Send `x-oss-forbid-overwrite: true`: a taken key gets a numbered one instead of being replaced. */
  forbidOverwrite?: boolean;
}

/**
 * Checks user metadata as OSS limits it: names of lower-case ASCII letters, digits and `-`, `_`, `.`
 * (without the `x-oss-meta-` prefix, which is added), values of printable ASCII (a browser cannot
 * send other characters in a header reliably; encode them, e.g. with encodeURIComponent), at most
 * 8 KB in all. Throws a TypeError saying what is wrong.
 */
export function validateMeta(meta: Record<string, string> | undefined): Record<string, string> | undefined {
  if (meta === undefined) return undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new TypeError('meta must be an object of names to string values.');
  let bytes = 0;
  const checked: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(meta)) {
    const name = rawName.startsWith('x-oss-meta-') ? rawName.slice('x-oss-meta-'.length) : rawName;
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) {
      throw new TypeError(`Metadata name "${rawName}" is not allowed: use lower-case ASCII letters, digits, "-", "_" and "." only.`);
    }
    if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) {
      throw new TypeError(`Metadata "${name}" must be a string of printable ASCII characters (encode others, e.g. with encodeURIComponent).`);
    }
    bytes += name.length + value.length;
    checked[name] = value;
  }
  if (bytes > MAX_META_BYTES) throw new RangeError(`Metadata is ${bytes} bytes; OSS allows at most ${MAX_META_BYTES} bytes in all.`);
  return checked;
}

/**
 * `Content-Disposition: attachment` naming the file, as RFC 6266 and RFC 5987 describe: an ASCII
 * fallback (characters outside printable ASCII, and `"` `\` `%`, become `_`) and the UTF-8 name
 * percent-encoded in `filename*`.
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/gu, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Headers stored with the object, sent on InitiateMultipartUpload or on the single PutObject. */
export function storedObjectHeaders(fileName: string, settings: ObjectSettings): Record<string, string> {
  const headers: Record<string, string> = {};
  if (settings.contentDisposition) headers['Content-Disposition'] = attachmentDisposition(fileName);
  if (settings.cacheControl) headers['Cache-Control'] = settings.cacheControl;
  for (const [name, value] of Object.entries(settings.meta ?? {})) headers[`x-oss-meta-${name}`] = value;
  return headers;
}

/** `x-oss-forbid-overwrite`, when on: sent on Initiate, Complete and the single PutObject. */
export function overwriteHeaders(settings: ObjectSettings): Record<string, string> {
  return settings.forbidOverwrite ? { 'x-oss-forbid-overwrite': 'true' } : {};
}

/**
 * The token's upload callback, for CompleteMultipartUpload or the single PutObject only: OSS then
 * tells the app server of the upload and answers with its record. None when the token has none.
 */
export function callbackHeaders(credentials: Credentials, fileName: string): Record<string, string> {
  if (!credentials.callback) return {};
  return {
    'x-oss-callback': credentials.callback,
    ...(credentials.callbackVar ? { 'x-oss-callback-var': callbackVarWithFileName(credentials.callbackVar, fileName) } : {}),
  };
}

/** `dir/name (n).ext`: the key tried when `key` is taken (n from 1). The extension stays last. */
export function numberedKey(key: string, n: number): string {
  const slash = key.lastIndexOf('/') + 1;
  const dir = key.slice(0, slash);
  const base = key.slice(slash);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${dir}${stem} (${n})${ext}`;
}

/** Whether `candidate` is `key` or one of its numbered keys. */
export function isKeyOrNumbered(candidate: string, key: string): boolean {
  if (candidate === key) return true;
  const match = /^(.*) \((\d+)\)(\.[^./]*)?$/.exec(candidate);
  if (!match) return false;
  return numberedKey(key, Number(match[2])) === candidate;
}
