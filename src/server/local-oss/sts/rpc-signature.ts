import { createHmac } from 'node:crypto';
import { percentEncode } from '../auth/percent-encode';

/**
 * Alibaba Cloud RPC signature (HMAC-SHA1, SignatureVersion 1.0):
 *   StringToSign = METHOD & percentEncode("/") & percentEncode(sorted `name=value` pairs joined by &)
 *   Signature    = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
 * Parameters are the decoded ones, re-encoded here, so a client's own escaping (Node's querystring
 * leaves `!'()*` raw) does not matter. `Signature` itself is excluded.
 */
export function rpcStringToSign(method: string, params: ReadonlyMap<string, string>): string {
  const canonical = [...params]
    .filter(([name]) => name !== 'Signature')
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function rpcSignature(accessKeySecret: string, stringToSign: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}
