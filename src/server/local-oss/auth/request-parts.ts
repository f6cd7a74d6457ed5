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
 * SignatureDoesNotMatch with the server's StringToSign so a client can diff it against its own.
 * Security tokens inside it are shortened: error bodies end up in logs.
 */
export function signatureMismatch(stringToSign: string, accessKeyId: string, provided: string, extra: Record<string, string> = {}): OssError {
  return new OssError('SignatureDoesNotMatch', undefined, {
    StringToSign: redactTokens(stringToSign),
    SignatureProvided: provided,
    OSSAccessKeyId: accessKeyId,
    ...Object.fromEntries(Object.entries(extra).map(([name, value]) => [name, redactTokens(value)])),
  });
}

/** Keeps the first 12 characters of every `security-token` value (header line or query pair). */
function redactTokens(text: string): string {
  return text.replace(/(security-token[:=])([^&\n]{12})[^&\n]*/g, '$1$2…');
}
