import { describe, expect, it } from 'vitest';
import { PolicyValidationError, validatePolicy } from '../../../../src/server/local-oss/policy';

const codeOf = (input: unknown): string => {
  try {
    validatePolicy(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyValidationError);
    return (error as PolicyValidationError).code;
  }
  return 'valid';
};

const LEAST_PRIVILEGE = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:examplebucket/users/42/*'] },
    { Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:examplebucket', Condition: { StringLike: { 'oss:Prefix': ['users/42/*'] } } },
  ],
};

describe('validatePolicy', () => {
  it('returns a valid policy unchanged, from text or from a parsed value', () => {
    expect(validatePolicy(JSON.stringify(LEAST_PRIVILEGE))).toEqual(LEAST_PRIVILEGE);
    expect(validatePolicy(LEAST_PRIVILEGE)).toEqual(LEAST_PRIVILEGE);
  });

  it.each<[string, unknown]>([
    ['not JSON', '{"Version":'],
    ['not an object', '[]'],
    ['a missing Version', { Statement: LEAST_PRIVILEGE.Statement }],
    ['Version 2', { ...LEAST_PRIVILEGE, Version: '2' }],
    ['Version as a number', { ...LEAST_PRIVILEGE, Version: 1 }],
    ['no Statement', { Version: '1' }],
    ['an empty Statement', { Version: '1', Statement: [] }],
    ['an unknown top-level field', { ...LEAST_PRIVILEGE, Id: 'x' }],
    ['a bad Effect', { Version: '1', Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] }],
    ['no Action', { Version: '1', Statement: [{ Effect: 'Allow', Resource: '*' }] }],
    ['an empty Action list', { Version: '1', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }],
    ['an Action without service', { Version: '1', Statement: [{ Effect: 'Allow', Action: 'PutObject', Resource: '*' }] }],
    ['no Resource', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*' }] }],
    ['an empty Resource', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '' }] }],
    ['NotAction (unsupported)', { Version: '1', Statement: [{ Effect: 'Allow', NotAction: '*', Resource: '*' }] }],
    ['a Condition that is not an object', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: 'x' }] }],
    ['a Condition with an empty value list', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLike: { 'oss:Prefix': [] } } }] }],
    ['a Condition with an object value', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLike: { 'oss:Prefix': { a: 1 } } } }] }],
    ['a malformed condition key', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLike: { Prefix: 'a' } } }] }],
  ])('%s → InvalidParameter.PolicyGrammar', (_what, input) => {
    expect(codeOf(input)).toBe('InvalidParameter.PolicyGrammar');
  });

  it('accepts an operator it cannot evaluate (evaluation treats it deny-safe)', () => {
    expect(codeOf({ Version: '1', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }] })).toBe('valid');
  });

  it('text longer than 2048 characters → InvalidParameter.PolicySize', () => {
    const padded = JSON.stringify(LEAST_PRIVILEGE).replace('"Version"', `${' '.repeat(2048)}"Version"`);
    expect(codeOf(padded)).toBe('InvalidParameter.PolicySize');
    const exact = JSON.stringify(LEAST_PRIVILEGE);
    expect(codeOf(exact.replace('{', `{${' '.repeat(2048 - exact.length)}`))).toBe('valid');
  });
});
