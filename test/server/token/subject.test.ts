import { describe, it, expect } from 'vitest';
import { isValidSubject, newAnonymousSubject, roleSessionNameFor, uploadPrefixFor } from '../../../src/server/token/subject';

describe('subjects', () => {
  it('generates distinct anonymous subjects inside the safe alphabet', () => {
    const subjects = Array.from({ length: 200 }, () => newAnonymousSubject());
    expect(new Set(subjects).size).toBe(200);
    for (const subject of subjects) expect(isValidSubject(subject)).toBe(true);
  });

  it.each(['a*', 'a?', 'a/b', '', '.hidden', '-x', 'a b', 'ü', 'x'.repeat(65)])('rejects the subject %j', (subject) => {
    expect(isValidSubject(subject)).toBe(false);
  });

  it.each(['alice', 'alice@example.com', 'user_42', 'A-b.c'])('accepts the subject %j', (subject) => {
    expect(isValidSubject(subject)).toBe(true);
  });

  it('puts the subject as one segment under the prefix root', () => {
    expect(uploadPrefixFor('uploads/', 'alice')).toBe('uploads/alice/');
  });

  it('derives a RoleSessionName of 2 to 32 allowed characters', () => {
    for (const subject of ['a', 'alice@example.com', 'x'.repeat(64), newAnonymousSubject()]) {
      expect(roleSessionNameFor(subject)).toMatch(/^[a-zA-Z0-9.@\-_]{2,32}$/);
    }
    expect(roleSessionNameFor('alice@example.com')).toBe('u-alice@example.com');
  });
});
