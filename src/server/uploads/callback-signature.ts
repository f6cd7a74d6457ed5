import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';

/**
 * Verifying an OSS upload callback as Alibaba Cloud documents it: `Authorization` is base64 of an
 * RSA signature (MD5, PKCS#1 v1.5) over `url_decode(path) + ('?' + query) + '\n' + body`, made with
 * the key whose PEM lies at the URL in `x-oss-pub-key-url` (base64). That header comes with the
 * request, so anyone can name their own key: only OSS's own public-key host is believed (and, in
 * local mode, the local OSS), the key is fetched from there once per URL and cached.
 */
export interface PublicKeySource {
  /**
   * Origins whose public keys are believed, e.g. `https://gosspublic.alicdn.com` (cloud) or
   * `http://localhost:9000` (the local OSS). A URL on the OSS host given as `http:` is fetched over https.
   */
  trustedOrigins: readonly string[];
  /** Defaults to global fetch; tests stub it (or intercept it with msw). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** OSS's public-key host: the only origin believed in cloud mode. */
export const OSS_PUBLIC_KEY_ORIGIN = 'https://gosspublic.alicdn.com';
const MAX_KEY_BYTES = 16 * 1024;

/** Why a callback was not believed; `status` is what the callback route answers. */
export class CallbackSignatureError extends Error {
  override readonly name = 'CallbackSignatureError';
  constructor(
    message: string,
    readonly status: 400 | 403 | 502,
  ) {
    super(message);
  }
}

export interface CallbackVerifier {
  /**
   * Throws CallbackSignatureError unless `authorization` is OSS's signature of `signedPath` (the
   * callback URL's path, as it was issued, still percent-encoded), `query` (without `?`, may be '')
   * and `body`, under the key at `publicKeyUrl` (already base64-decoded).
   */
  verify(input: { authorization: string | undefined; publicKeyUrl: string | undefined; signedPath: string; query: string; body: Uint8Array }): Promise<void>;
}

export function createCallbackVerifier({ trustedOrigins, fetch: fetchImpl = fetch, timeoutMs = 3_000 }: PublicKeySource): CallbackVerifier {
  const trusted = new Set(trustedOrigins.map((origin) => new URL(origin).origin));
  const keys = new Map<string, Promise<KeyObject>>();

  /** The URL to fetch, or a refusal: only trusted origins, no credentials, no odd ports. */
  function keyUrl(encoded: string | undefined): string {
    if (!encoded) throw new CallbackSignatureError('x-oss-pub-key-url is missing', 400);
    const text = Buffer.from(encoded, 'base64').toString('utf8');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new CallbackSignatureError('x-oss-pub-key-url is not a URL', 400);
    }
    if (url.username || url.password) throw new CallbackSignatureError('the public key URL is not trusted', 403);
    // OSS names its key with http: or https:; we always fetch it over https.
    if (url.protocol === 'http:' && `https://${url.host}` === OSS_PUBLIC_KEY_ORIGIN && trusted.has(OSS_PUBLIC_KEY_ORIGIN)) url.protocol = 'https:';
    if (!trusted.has(url.origin)) throw new CallbackSignatureError('the public key URL is not on a trusted host', 403);
    url.hash = '';
    return url.href;
  }

  function publicKey(url: string): Promise<KeyObject> {
    let pending = keys.get(url);
    if (!pending) {
      pending = load(url);
      keys.set(url, pending);
      // Failures are not cached: the next callback tries again.
      pending.catch(() => keys.delete(url));
    }
    return pending;
  }

  async function load(url: string): Promise<KeyObject> {
    let text: string;
    try {
      const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length > MAX_KEY_BYTES) throw new Error('too large');
      text = new TextDecoder().decode(bytes);
    } catch (error) {
      throw new CallbackSignatureError(`could not fetch the public key (${error instanceof Error ? error.message : String(error)})`, 502);
    }
    try {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      return key;
    } catch {
      throw new CallbackSignatureError('the public key URL did not give an RSA public key', 502);
    }
  }

  return {
    async verify({ authorization, publicKeyUrl, signedPath, query, body }) {
      if (!authorization) throw new CallbackSignatureError('Authorization is missing', 400);
      const signature = Buffer.from(authorization, 'base64');
      if (signature.length === 0) throw new CallbackSignatureError('Authorization is not a signature', 400);
      const key = await publicKey(keyUrl(publicKeyUrl));
      let path: string;
      try {
        path = decodeURIComponent(signedPath);
      } catch {
        throw new CallbackSignatureError('the callback path is not valid percent-encoding', 400);
      }
      const verifier = createVerify('RSA-MD5');
      verifier.update(`${path}${query === '' ? '' : `?${query}`}\n`);
      verifier.update(body);
      if (!verifier.verify(key, signature)) throw new CallbackSignatureError('the signature does not match', 403);
    },
  };
}
