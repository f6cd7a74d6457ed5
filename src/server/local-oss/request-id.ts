import { randomBytes } from 'node:crypto';

/** `x-oss-request-id`: 24 upper-case hex characters, like OSS. */
export function newRequestId(): string {
  return randomBytes(12).toString('hex').toUpperCase();
}
