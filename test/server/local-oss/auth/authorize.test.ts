import { describe, expect, it } from 'vitest';
import { actionForOperation, authorize, type Principal } from '../../../../src/server/local-oss/auth';
import type { Policy } from '../../../../src/server/local-oss/policy';
import { ALLOW_ALL, BUCKET, ROLE_ARN, errorOf, makeContext } from './support';

const USER_42_SESSION: Policy = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject', 'oss:ListParts', 'oss:AbortMultipartUpload'], Resource: [`acs:oss:*:*:${BUCKET}/users/42/*`] },
    { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: [`acs:oss:*:*:${BUCKET}`], Condition: { StringLike: { 'oss:Prefix': ['users/42/*'] } } },
  ],
};

const stsPrincipal = (sessionPolicy?: Policy, roleArn = ROLE_ARN): Principal => ({
  accessKeyId: 'STS.test', kind: 'sts', roleArn, expiresAt: Date.now() + 3600_000, ...(sessionPolicy ? { sessionPolicy } : {}),
});

const allowed = (principal: Principal, op: Parameters<typeof authorize>[1], ctx = makeContext()): boolean => {
  try {
    authorize(principal, op, ctx);
    return true;
  } catch (error) {
    expect((error as { code: string }).code).toBe('AccessDenied');
    return false;
  }
};

describe('actionForOperation', () => {
  it.each([
    ['PutObject', 'oss:PutObject'], ['InitiateMultipartUpload', 'oss:PutObject'], ['UploadPart', 'oss:PutObject'],
    ['CompleteMultipartUpload', 'oss:PutObject'], ['GetObject', 'oss:GetObject'], ['HeadObject', 'oss:GetObject'],
    ['DeleteObject', 'oss:DeleteObject'], ['ListParts', 'oss:ListParts'], ['AbortMultipartUpload', 'oss:AbortMultipartUpload'],
  ] as const)('%s is %s on the object', (operation, action) => {
    expect(actionForOperation(operation, { bucket: BUCKET, key: 'users/42/a b+c.txt' })).toEqual({
      action, resource: `acs:oss:*:*:${BUCKET}/users/42/a b+c.txt`,
    });
  });

  it('listings are bucket-level and expose oss:Prefix and oss:Delimiter (empty when absent)', () => {
    expect(actionForOperation('ListObjectsV2', { bucket: BUCKET, query: [['list-type', '2'], ['prefix', 'users/42/'], ['max-keys', '10']] })).toEqual({
      action: 'oss:ListObjects', resource: `acs:oss:*:*:${BUCKET}`, conditions: { 'oss:Prefix': 'users/42/', 'oss:Delimiter': '' },
    });
    expect(actionForOperation('ListMultipartUploads', { bucket: BUCKET, query: [['uploads', ''], ['delimiter', '/']] })).toEqual({
      action: 'oss:ListMultipartUploads', resource: `acs:oss:*:*:${BUCKET}`, conditions: { 'oss:Prefix': '', 'oss:Delimiter': '/' },
    });
  });

  it('ListBuckets is service-level', () => {
    expect(actionForOperation('ListBuckets', { bucket: '' })).toEqual({ action: 'oss:ListBuckets', resource: 'acs:oss:*:*:*' });
  });

  it('refuses an object-level operation without a key', () => {
    expect(() => actionForOperation('PutObject', { bucket: BUCKET, key: null })).toThrow(TypeError);
  });
});

describe('authorize', () => {
  const put = (key: string) => actionForOperation('PutObject', { bucket: BUCKET, key });
  const list = (prefix: string) => actionForOperation('ListObjects', { bucket: BUCKET, query: [['prefix', prefix]] });

  it('lets the root key do anything, whatever the roles say', () => {
    expect(allowed({ accessKeyId: 'root', kind: 'root' }, put('anything'), makeContext({ roles: new Map() }))).toBe(true);
  });

  it('without a session policy, the role policy alone decides', () => {
    expect(allowed(stsPrincipal(), put('anywhere/at/all'))).toBe(true);
  });

  it('with a session policy, only the intersection is allowed', () => {
    const principal = stsPrincipal(USER_42_SESSION);
    expect(allowed(principal, put('users/42/video.mp4'))).toBe(true);
    expect(allowed(principal, put('users/43/video.mp4'))).toBe(false);
    expect(allowed(principal, actionForOperation('DeleteObject', { bucket: BUCKET, key: 'users/42/video.mp4' }))).toBe(false);
    expect(allowed(principal, list('users/42/'))).toBe(true);
    expect(allowed(principal, list('users/'))).toBe(false);
    expect(allowed(principal, list(''))).toBe(false);
  });

  it('a session policy cannot grant what the role does not', () => {
    const role: Policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] };
    const ctx = makeContext({ roles: new Map([[ROLE_ARN, { policy: role }]]) });
    expect(allowed(stsPrincipal(ALLOW_ALL), put('users/42/a'), ctx)).toBe(false);
    expect(allowed(stsPrincipal(ALLOW_ALL), actionForOperation('GetObject', { bucket: BUCKET, key: 'users/42/a' }), ctx)).toBe(true);
  });

  it('an explicit Deny in the role wins over an Allow in both', () => {
    const role: Policy = {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'oss:*', Resource: '*' },
        { Effect: 'Deny', Action: 'oss:PutObject', Resource: `acs:oss:*:*:${BUCKET}/users/42/private/*` },
      ],
    };
    const ctx = makeContext({ roles: new Map([[ROLE_ARN, { policy: role }]]) });
    expect(allowed(stsPrincipal(USER_42_SESSION), put('users/42/private/x'), ctx)).toBe(false);
    expect(allowed(stsPrincipal(USER_42_SESSION), put('users/42/public/x'), ctx)).toBe(true);
  });

  it('an explicit Deny in the session policy wins too', () => {
    const session: Policy = { Version: '1', Statement: [...USER_42_SESSION.Statement, { Effect: 'Deny', Action: '*', Resource: `acs:oss:*:*:${BUCKET}/users/42/locked` }] };
    expect(allowed(stsPrincipal(session), put('users/42/locked'))).toBe(false);
    expect(allowed(stsPrincipal(session), put('users/42/open'))).toBe(true);
  });

  it('a principal whose role no longer exists is denied', () => {
    expect(allowed(stsPrincipal(undefined, 'acs:ram::1:role/gone'), put('x'))).toBe(false);
  });

  it('the denial says the policy refused it', () => {
    expect(errorOf(() => authorize(stsPrincipal(USER_42_SESSION), put('users/43/x'), makeContext()))).toMatchObject({
      code: 'AccessDenied', message: "Access denied by authorizer's policy.",
    });
  });
});
