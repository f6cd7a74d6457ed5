import { describe, expect, it } from 'vitest';
import { evaluatePolicy, matchesWildcard, type Policy, type Statement } from '../../../../src/server/local-oss/policy';

const policy = (...Statement: Statement[]): Policy => ({ Version: '1', Statement });
const object = (key: string) => `acs:oss:*:*:examplebucket/${key}`;

describe('matchesWildcard', () => {
  it.each([
    ['*', '', true], ['*', 'a/b/c', true], ['a*', 'a', true], ['users/42/*', 'users/42/a/b.txt', true],
    ['users/42/*', 'users/421/a', false], ['?', 'ü', true], ['a?c', 'abc', true], ['a?c', 'ac', false],
    ['*.mp4', 'x/y.mp4', true], ['*.mp4', 'x/y.mp4.txt', false], ['a*b*c', 'aXbYbZc', true], ['a*b*c', 'aXbYbZ', false],
    ['exact', 'exact', true], ['exact', 'Exact', false], ['(1)+[x]', '(1)+[x]', true], ['a.c', 'abc', false],
  ])('%j ~ %j → %s', (pattern, text, expected) => {
    expect(matchesWildcard(pattern, text)).toBe(expected);
  });

  it('stays fast on a pattern that makes naive backtracking explode', () => {
    expect(matchesWildcard('*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  const put42 = { action: 'oss:PutObject', resource: object('users/42/video.mp4') };

  it('no matching statement → NoMatch (implicit deny)', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }), put42)).toBe('NoMatch');
  });

  it('Allow on action and resource patterns', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: ['oss:Get*', 'oss:Put*'], Resource: [object('users/42/*')] }), put42)).toBe('Allow');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 'oss:*', Resource: object('users/4?/*') }), put42)).toBe('Allow');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: '*' }), put42)).toBe('Allow');
  });

  it('action names match case-insensitively, resources case-sensitively', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: 'OSS:putobject', Resource: '*' }), put42)).toBe('Allow');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: object('USERS/42/*') }), put42)).toBe('NoMatch');
  });

  it('an explicit Deny beats any Allow, whatever the statement order', () => {
    const allow: Statement = { Effect: 'Allow', Action: 'oss:*', Resource: '*' };
    const deny: Statement = { Effect: 'Deny', Action: 'oss:PutObject', Resource: object('users/42/*') };
    expect(evaluatePolicy(policy(allow, deny), put42)).toBe('Deny');
    expect(evaluatePolicy(policy(deny, allow), put42)).toBe('Deny');
    expect(evaluatePolicy(policy(allow, deny), { ...put42, action: 'oss:GetObject' })).toBe('Allow');
  });

  it('a bucket resource does not cover its objects, nor the objects their bucket', () => {
    const bucketOnly = policy({ Effect: 'Allow', Action: '*', Resource: 'acs:oss:*:*:examplebucket' });
    expect(evaluatePolicy(bucketOnly, put42)).toBe('NoMatch');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: object('*') }), { action: 'oss:ListObjects', resource: 'acs:oss:*:*:examplebucket' })).toBe('NoMatch');
  });

  it('a policy naming a concrete region or account still applies', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: 'acs:oss:cn-hangzhou:1234567890123456:examplebucket/users/42/*' }), put42)).toBe('Allow');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: 'acs:oss:*:123:otherbucket/*' }), put42)).toBe('NoMatch');
  });

  it('keys with special characters match literally (only * and ? are wildcards)', () => {
    const key = "users/42/a+b&c%d(e)f[g]h!i'j 日本.txt";
    const allow = policy({ Effect: 'Allow', Action: '*', Resource: object("users/42/a+b&c%d(e)f[g]h!i'j *") });
    expect(evaluatePolicy(allow, { action: 'oss:PutObject', resource: object(key) })).toBe('Allow');
    expect(evaluatePolicy(allow, { action: 'oss:PutObject', resource: object('users/42/a+b&c%d(e)f[g]hXi\'j x') })).toBe('NoMatch');
    // A colon in the key must not confuse the region/account fields.
    expect(evaluatePolicy(policy({ Effect: 'Allow', Action: '*', Resource: object('users/42/*') }), { action: 'oss:PutObject', resource: object('users/42/a:b:c') })).toBe('Allow');
  });
});

describe('conditions', () => {
  const list = (prefix: string, delimiter = '') => ({
    action: 'oss:ListObjects', resource: 'acs:oss:*:*:examplebucket', conditions: { 'oss:Prefix': prefix, 'oss:Delimiter': delimiter },
  });
  const allowListing = (Condition: Statement['Condition']) => policy({ Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:examplebucket', Condition });

  it('StringLike with several values is an OR', () => {
    const p = allowListing({ StringLike: { 'oss:Prefix': ['users/42/*', 'shared/*'] } });
    expect(evaluatePolicy(p, list('users/42/'))).toBe('Allow');
    expect(evaluatePolicy(p, list('shared/x'))).toBe('Allow');
    expect(evaluatePolicy(p, list('users/43/'))).toBe('NoMatch');
  });

  it('several keys and operators are an AND', () => {
    const p = allowListing({ StringLike: { 'oss:Prefix': 'users/42/*' }, StringEquals: { 'oss:Delimiter': '/' } });
    expect(evaluatePolicy(p, list('users/42/', '/'))).toBe('Allow');
    expect(evaluatePolicy(p, list('users/42/', ''))).toBe('NoMatch');
  });

  it.each([
    ['StringEquals', 'users/42/', 'users/42/', 'Allow'],
    ['StringEquals', 'users/42/', 'USERS/42/', 'NoMatch'],
    ['StringNotEquals', 'users/42/', 'users/43/', 'Allow'],
    ['StringNotEquals', 'users/42/', 'users/42/', 'NoMatch'],
    ['StringEqualsIgnoreCase', 'users/42/', 'USERS/42/', 'Allow'],
    ['StringNotEqualsIgnoreCase', 'users/42/', 'USERS/42/', 'NoMatch'],
    ['StringLike', 'users/*', 'users/42/', 'Allow'],
    ['StringNotLike', 'users/*', 'users/42/', 'NoMatch'],
    ['StringNotLike', 'users/*', 'shared/', 'Allow'],
    ['StringLikeIgnoreCase', 'users/*', 'USERS/42/', 'Allow'],
    ['StringNotLikeIgnoreCase', 'users/*', 'USERS/42/', 'NoMatch'],
  ])('%s %j vs %j → %s', (operator, expected, actual, decision) => {
    expect(evaluatePolicy(allowListing({ [operator]: { 'oss:Prefix': expected } }), list(actual))).toBe(decision);
  });

  it('condition key names are case-insensitive', () => {
    expect(evaluatePolicy(allowListing({ StringEquals: { 'OSS:prefix': 'a' } }), list('a'))).toBe('Allow');
  });

  it('an unknown operator or an unsupplied key never allows, and always denies', () => {
    const unknownOperator = { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } };
    const unknownKey = { StringEquals: { 'acs:UserAgent': 'x' } };
    expect(evaluatePolicy(allowListing(unknownOperator), list('a'))).toBe('NoMatch');
    expect(evaluatePolicy(allowListing(unknownKey), list('a'))).toBe('NoMatch');
    const denyWith = (Condition: Statement['Condition']) =>
      policy({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition });
    expect(evaluatePolicy(denyWith(unknownOperator), list('a'))).toBe('Deny');
    expect(evaluatePolicy(denyWith(unknownKey), list('a'))).toBe('Deny');
    // A Deny whose known condition is false does not apply, even if another part is undecidable.
    expect(evaluatePolicy(denyWith({ StringEquals: { 'oss:Prefix': 'b' }, IpAddress: { 'acs:SourceIp': '1.2.3.4' } }), list('a'))).toBe('Allow');
  });

  it('compares number and boolean condition values as strings', () => {
    const p = policy({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'oss:MaxKeys': 10 } } });
    expect(evaluatePolicy(p, { action: 'oss:ListObjects', resource: 'acs:oss:*:*:b', conditions: { 'oss:MaxKeys': '10' } })).toBe('Allow');
  });
});
