import { OssError } from '../errors';

/** 1–1023 UTF-8 bytes, not starting with `/` or `\`. */
export function assertValidKey(key: string): void {
  if (key === '' || Buffer.byteLength(key, 'utf8') > 1023 || key.startsWith('/') || key.startsWith('\\')) throw new OssError('InvalidObjectName');
}
