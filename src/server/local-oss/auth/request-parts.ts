import { OssError } from '../errors';
import type { AuthRequest } from './types';

export function header(req: AuthRequest, lowerCaseName: string): string | undefined {
  return req.headers[lowerCaseName];
}

/** First value of a query parameter, or undefined when absent. */
export function queryValue(req: AuthRequest, name: string): string | undefined {
  return req.query.find(([n]) => n === name)?.[1];
}

export function hasQuery(req: AuthRequest, name: string): boolean {
  return req.query.some(([n]) => n === name);
}

/**
 * A header value as the bytes that arrived. Node hands header bytes over as latin1 text (one
 * character per byte), so this gives them back exactly. OSS signs those bytes whatever they encode:
 * ali-oss with `headerEncoding: 'latin1'` sends metadata as UTF-8 bytes and signs the same bytes,
 * so hashing the latin1 text as UTF-8 (a second encoding) would never match.
 */
export function headerBytes(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

/** Text of the request that is not a header (bucket, decoded key, decoded query): UTF-8, as signed. */
export function textBytes(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}

/**
 * Leading and trailing spaces and tabs off a header value. Not `String.prototype.trim`: on latin1
 * text it would also drop U+00A0, which is the byte 0xA0, the last byte of many UTF-8 characters.
 */
export function trimHeaderValue(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Byte parts joined by `\n`, the shape of every string OSS signs. */
export function joinLines(parts: readonly Buffer[]): Buffer {
  const newline = Buffer.from('\n');
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [part] : [newline, part])));
}

/**
 * SignatureDoesNotMatch with the server's StringToSign so a client can diff it against its own:
 * as text (bytes read as UTF-8) and, as OSS adds for V1, as hex bytes, which shows what a non-ASCII
 * header really carried. Security tokens inside it are shortened: error bodies end up in logs.
 */
export function signatureMismatch(
  stringToSign: Buffer,
  accessKeyId: string,
  provided: string,
  extra: Record<string, Buffer> = {},
  options: { withBytes?: boolean } = {},
): OssError {
  const redacted = redactTokens(stringToSign);
  return new OssError('SignatureDoesNotMatch', undefined, {
    StringToSign: redacted.toString('utf8'),
    ...(options.withBytes ? { StringToSignBytes: [...redacted].map((byte) => byte.toString(16).padStart(2, '0')).join(' ') } : {}),
    SignatureProvided: provided,
    OSSAccessKeyId: accessKeyId,
    ...Object.fromEntries(Object.entries(extra).map(([name, value]) => [name, redactTokens(value).toString('utf8')])),
  });
}

const ELLIPSIS = Buffer.from('…', 'utf8');

/** Keeps the first 12 characters of every `security-token` value (header line or query pair). */
function redactTokens(bytes: Buffer): Buffer {
  // latin1 maps bytes to characters one to one, so match offsets are byte offsets.
  const text = bytes.toString('latin1');
  const pieces: Buffer[] = [];
  let kept = 0;
  for (const match of text.matchAll(/(security-token[:=][^&\n]{12})[^&\n]*/g)) {
    pieces.push(bytes.subarray(kept, match.index + (match[1] ?? '').length), ELLIPSIS);
    kept = match.index + match[0].length;
  }
  pieces.push(bytes.subarray(kept));
  return Buffer.concat(pieces);
}
