import { randomBytes } from 'node:crypto';

/**
 * A subject names one uploader and becomes one path segment of its key prefix. The alphabet is
 * deliberately narrow: no policy wildcards, no `/`, nothing a URL or a RoleSessionName mangles.
 */
const SUBJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function isValidSubject(subject: string): boolean {
  return SUBJECT_PATTERN.test(subject);
}

/** 128 random bits, base64url: 22 characters, all inside the subject alphabet. */
export function newAnonymousSubject(): string {
  let subject: string;
  // base64url may start with `-` or `_`, which the subject alphabet forbids as a first character.
  do {
    subject = randomBytes(16).toString('base64url');
  } while (!isValidSubject(subject));
  return subject;
}

/** The key prefix an uploader may write under, e.g. `uploads/<subject>/`. */
export function uploadPrefixFor(prefixRoot: string, subject: string): string {
  return `${prefixRoot}${subject}/`;
}

const SESSION_NAME_MAX = 32;

/**
 * STS RoleSessionName (`[a-zA-Z0-9.@\-_]`, 2–32 characters). It shows up in audit logs next to
 * every OSS request made with the credentials, so it carries as much of the subject as fits.
 */
export function roleSessionNameFor(subject: string): string {
  const sanitized = `u-${subject}`.replace(/[^a-zA-Z0-9.@\-_]/g, '-');
  return sanitized.slice(0, SESSION_NAME_MAX);
}
