/**
 * RFC 3986 percent-encoding over UTF-8 bytes: `A-Z a-z 0-9 - _ . ~` stay, everything else becomes
 * `%XX` (upper-case). Both OSS V4 canonical requests and STS RPC signatures use exactly this set,
 * unlike `encodeURIComponent`, which leaves `! ' ( ) *` raw and throws on lone surrogates.
 */
export function percentEncode(text: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (isUnreserved(byte) || (keepSlash && byte === 0x2f)) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e // - _ . ~
  );
}
