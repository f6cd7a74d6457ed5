import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { OssError } from './errors';
import type { OssRequest } from './request';

/**
 * Upload callbacks (`x-oss-callback`, `x-oss-callback-var`) on PutObject and
 * CompleteMultipartUpload, as OSS documents them: once the object is stored, the server POSTs the
 * filled `callbackBody` to `callbackUrl`, signed with its RSA key, and answers the client with the
 * callback's JSON answer; a failing callback leaves the object stored and answers 203 CallbackFailed.
 * Locally only loopback callback URLs are accepted: the local OSS runs on a developer's machine and
 * must not be made to POST to other hosts.
 */
export interface CallbackSettings {
  /**
   * The private key that signs callback requests, parsed once: parsing the PEM for every callback
   * took more than half of the signature's time (about 0.6 of 1.0 ms per upload).
   */
  privateKey: KeyObject;
  /** PEM (SPKI) public key, served at PUBLIC_KEY_PATH. */
  publicKey: string;
  /** How long one callback URL may take to answer completely. */
  timeoutMs: number;
  /** Largest callback answer passed on to the client. */
  maxResponseBytes: number;
}

/** OSS waits 5 seconds for a callback server. */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5_000;
/** Our limit on the callback's answer (OSS documents none we could find; 1 MiB is generous for JSON). */
export const MAX_CALLBACK_RESPONSE_BYTES = 1024 * 1024;
/** OSS: the filled callback body may be up to this size (unconfirmed; ours). */
const MAX_CALLBACK_BODY_BYTES = 1024 * 1024;
/**
 * Where the OSS port serves the public key. `__oss` cannot be a bucket name (no underscores), so
 * on a path-style URL it collides with no bucket; it is served only without a bucket in the Host.
 */
export const PUBLIC_KEY_PATH = '/__oss/callback-public-key.pem';
const KEY_FILE = 'callback-private-key.pem';

/** The data dir's callback key, generated once (mode 0600) like the token secret. */
export async function loadOrCreateCallbackKey(dataDir: string): Promise<{ privateKey: KeyObject; publicKey: string }> {
  const path = join(dataDir, KEY_FILE);
  let privateKey: string;
  try {
    privateKey = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const generated = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      await writeFile(path, generated, { mode: 0o600, flag: 'wx' });
      privateKey = generated;
    } catch (writeError) {
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      privateKey = await readFile(path, 'utf8');
    }
  }
  const key = createPrivateKey(privateKey);
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey: key, publicKey };
}

export interface CallbackRequest {
  urls: URL[];
  host: string | undefined;
  body: string;
  bodyType: 'application/x-www-form-urlencoded' | 'application/json';
  vars: Record<string, string>;
}

function invalid(message: string): OssError {
  return new OssError('InvalidArgument', message, { ArgumentName: 'x-oss-callback' });
}

/** The request's callback, validated as OSS does (before any byte is stored); null without one. */
export function callbackOf(request: OssRequest): CallbackRequest | null {
  const header = request.headers['x-oss-callback'];
  const varsHeader = request.headers['x-oss-callback-var'];
  if (header === undefined) {
    if (varsHeader !== undefined) throw invalid('x-oss-callback-var needs x-oss-callback.');
    return null;
  }
  const config = decodeJson(header);
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw invalid('The callback configuration is not json format.');
  const { callbackUrl, callbackHost, callbackBody, callbackBodyType } = config as Record<string, unknown>;
  if (typeof callbackUrl !== 'string' || callbackUrl === '') throw invalid('callbackUrl is not set in the callback configuration.');
  if (typeof callbackBody !== 'string' || callbackBody === '') throw invalid('callbackBody is not set in the callback configuration.');
  if (callbackHost !== undefined && typeof callbackHost !== 'string') throw invalid('callbackHost is invalid.');
  const bodyType = callbackBodyType === undefined || callbackBodyType === '' ? 'application/x-www-form-urlencoded' : callbackBodyType;
  if (bodyType !== 'application/x-www-form-urlencoded' && bodyType !== 'application/json') throw invalid('callbackBodyType is invalid.');
  const urls = callbackUrl.split(';').map((text) => text.trim()).filter((text) => text !== '');
  if (urls.length === 0 || urls.length > 5) throw invalid('callbackUrl is invalid.');
  const parsed = urls.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid(`callbackUrl is invalid: ${text}`);
    }
    if (url.protocol !== 'http:') throw invalid(`callbackUrl is invalid: the local OSS calls back over http only (${text}).`);
    if (!isLoopback(url.hostname)) throw invalid(`callbackUrl is invalid: the local OSS calls back loopback addresses only (${text}).`);
    return url;
  });
  let vars: Record<string, string> = {};
  if (varsHeader !== undefined) {
    const decoded = decodeJson(varsHeader);
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) throw invalid('The callback-var configuration is not json format.');
    vars = {};
    for (const [name, value] of Object.entries(decoded as Record<string, unknown>)) {
      if (!name.startsWith('x:') || name !== name.toLowerCase() || typeof value !== 'string') {
        throw invalid(`x-oss-callback-var: ${name} must start with x:, be lower case and have a string value.`);
      }
      vars[name] = value;
    }
  }
  return { urls: parsed, host: callbackHost, body: callbackBody, bodyType, vars };
}

function decodeJson(base64: string): unknown {
  try {
    return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** System variables of the template (`${bucket}`, …); those OSS has and this server cannot know are ''. */
export interface CallbackObject {
  bucket: string;
  object: string;
  /** Without quotes. */
  etag: string;
  size: number;
  mimeType: string;
  crc64: string;
  contentMd5: string;
  reqId: string;
  operation: 'PutObject' | 'CompleteMultipartUpload';
  clientIp: string;
}

/**
 * Fills `${name}` placeholders. Values are escaped for the body type, so a value cannot break the
 * body's syntax: URL-encoded for a form body, JSON-string-escaped for a JSON body. Unknown names
 * become ''.
 */
export function fillBody(callback: CallbackRequest, object: CallbackObject): string {
  const system: Record<string, string> = {
    bucket: object.bucket,
    object: object.object,
    etag: object.etag,
    size: String(object.size),
    mimeType: object.mimeType,
    crc64: object.crc64,
    contentMd5: object.contentMd5,
    reqId: object.reqId,
    operation: object.operation,
    clientIp: object.clientIp,
    vpcId: '',
    'imageInfo.height': '',
    'imageInfo.width': '',
    'imageInfo.format': '',
  };
  const escape = callback.bodyType === 'application/json' ? (value: string) => JSON.stringify(value).slice(1, -1) : (value: string) => encodeURIComponent(value);
  return callback.body.replace(/\$\{([^}]*)\}/g, (_, name: string) => escape(name.startsWith('x:') ? (callback.vars[name] ?? '') : (system[name] ?? '')));
}

export type CallbackOutcome = { ok: true; body: Buffer; contentType: string } | { ok: false; message: string };

/** POSTs to each URL in turn until one answers 200 with JSON within the timeout. */
export async function runCallback(callback: CallbackRequest, object: CallbackObject, settings: CallbackSettings, publicKeyUrl: string): Promise<CallbackOutcome> {
  const body = Buffer.from(fillBody(callback, object));
  if (body.length > MAX_CALLBACK_BODY_BYTES) return { ok: false, message: 'The callback body is too large.' };
  let last: CallbackOutcome = { ok: false, message: 'No callback URL.' };
  for (const url of callback.urls) {
    last = await callOnce(url, callback, body, settings, publicKeyUrl);
    if (last.ok) return last;
  }
  return last;
}

/** base64(RSA-MD5 PKCS#1 v1.5 over url_decode(path) + ('?' + query) + '\n' + body), as OSS signs. */
export function signCallback(url: URL, body: Buffer, privateKey: KeyObject | string): string {
  const signed = Buffer.concat([Buffer.from(`${decodeURIComponent(url.pathname)}${url.search}\n`), body]);
  return sign('md5', signed, privateKey).toString('base64');
}

function callOnce(url: URL, callback: CallbackRequest, body: Buffer, settings: CallbackSettings, publicKeyUrl: string): Promise<CallbackOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: CallbackOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const request = httpRequest(url, {
      method: 'POST',
      headers: {
        Host: callback.host ?? url.host,
        'Content-Type': callback.bodyType,
        'Content-Length': String(body.length),
        Authorization: signCallback(url, body, settings.privateKey),
        'x-oss-pub-key-url': Buffer.from(publicKeyUrl).toString('base64'),
        'User-Agent': 'aliyun-oss-callback',
      },
    });
    const timer = setTimeout(() => done({ ok: false, message: `The callback server at ${url.origin} did not answer within ${settings.timeoutMs} ms.` }), settings.timeoutMs);
    request.on('error', (error) => done({ ok: false, message: `Error connecting to the callback server at ${url.origin}: ${error.message}` }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > settings.maxResponseBytes) done({ ok: false, message: `The callback answer is larger than ${settings.maxResponseBytes} bytes.` });
        else chunks.push(chunk);
      });
      response.on('error', (error) => done({ ok: false, message: `Error reading the callback answer: ${error.message}` }));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          done({ ok: false, message: `Error status : ${response.statusCode}.` });
          return;
        }
        const answer = Buffer.concat(chunks);
        try {
          JSON.parse(answer.toString('utf8'));
        } catch {
          done({ ok: false, message: 'Response body is not valid json format.' });
          return;
        }
        done({ ok: true, body: answer, contentType: response.headers['content-type'] ?? 'application/json' });
      });
    });
    request.end(body);
  });
}
