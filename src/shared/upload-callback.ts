/**
 * The custom callback variable of the token response's `callbackVar` that carries the original
 * file name: base64url (no padding) of the name's UTF-8, so the value is plain ASCII that neither
 * OSS's URL encoding of the callback body nor JSON can alter.
 */
export const FILE_NAME_VAR = 'x:name';

/** File names longer than this (in UTF-16 code units) are cut before they are sent. */
export const MAX_FILE_NAME_LENGTH = 1024;

/**
 * `callbackVar` (base64 JSON, as the token endpoint issues it) with `x:name` set to `fileName`:
 * the value for the `x-oss-callback-var` header. Works in browsers and Node (no Buffer).
 */
export function callbackVarWithFileName(callbackVar: string, fileName: string): string {
  const vars = JSON.parse(utf8Decode(base64ToBytes(callbackVar))) as Record<string, string>;
  vars[FILE_NAME_VAR] = encodeFileName(fileName);
  // \u-escapes keep the JSON ASCII whatever the other variables hold.
  const json = JSON.stringify(vars).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return bytesToBase64(new TextEncoder().encode(json));
}

/** base64url of the UTF-8 of `fileName` (cut to MAX_FILE_NAME_LENGTH). */
export function encodeFileName(fileName: string): string {
  return bytesToBase64(new TextEncoder().encode(fileName.slice(0, MAX_FILE_NAME_LENGTH)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The file name `encodeFileName` made, or null when `value` is not one (not base64url, not UTF-8, too long). */
export function decodeFileName(value: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) return null;
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4);
  try {
    const name = utf8Decode(base64ToBytes(base64));
    return name.length <= MAX_FILE_NAME_LENGTH ? name : null;
  } catch {
    return null;
  }
}

function utf8Decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
