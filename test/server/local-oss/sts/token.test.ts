import { describe, expect, it } from 'vitest';
import { issueStsCredentials, readSecurityToken } from '../../../../src/server/local-oss/sts';
import { deriveStsSecret } from '../../../../src/server/local-oss/sts/token';

const SECRET = 'token-secret';
const claims = {
  roleArn: 'acs:ram::1:role/r', roleSessionName: 's1', issuedAt: 1_700_000_000_000, expiresAt: 1_700_003_600_000,
  policy: { Version: '1' as const, Statement: [{ Effect: 'Allow' as const, Action: 'oss:PutObject', Resource: 'acs:oss:*:*:b/users/42/*' }] },
};

describe('STS credentials', () => {
  it('issues STS.-prefixed alphanumeric keys, distinct each time', () => {
    const a = issueStsCredentials(claims, SECRET);
    const b = issueStsCredentials(claims, SECRET);
    expect(a.accessKeyId).toMatch(/^STS\.[A-Za-z0-9]{24}$/);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.accessKeySecret).not.toBe(b.accessKeySecret);
  });

  it('derives the secret from the key and the server secret alone', () => {
    const { accessKeyId, accessKeySecret } = issueStsCredentials(claims, SECRET);
    expect(deriveStsSecret(accessKeyId, SECRET)).toBe(accessKeySecret);
    expect(deriveStsSecret(accessKeyId, Buffer.from(SECRET))).toBe(accessKeySecret);
    expect(deriveStsSecret(accessKeyId, 'other')).not.toBe(accessKeySecret);
  });

  it('the token carries the claims back, session policy included', () => {
    const { accessKeyId, securityToken } = issueStsCredentials(claims, SECRET);
    expect(securityToken).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(readSecurityToken(securityToken, SECRET)).toEqual({ ...claims, accessKeyId });
  });

  it('the token does not contain the access key secret', () => {
    const { accessKeySecret, securityToken } = issueStsCredentials(claims, SECRET);
    const decoded = Buffer.from(securityToken.split('.')[1] ?? '', 'base64url').toString();
    expect(decoded).not.toContain(accessKeySecret);
    expect(securityToken).not.toContain(accessKeySecret);
  });

  it('any change to the token, or another server secret, makes it unreadable', () => {
    const { securityToken } = issueStsCredentials(claims, SECRET);
    const [version, payload, mac] = securityToken.split('.') as [string, string, string];
    const forgedClaims = Buffer.from(JSON.stringify({ ...claims, expiresAt: 9e15 })).toString('base64url');
    expect(readSecurityToken(`${version}.${forgedClaims}.${mac}`, SECRET)).toBeNull();
    expect(readSecurityToken(`${version}.${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, SECRET)).toBeNull();
    expect(readSecurityToken(`v2.${payload}.${mac}`, SECRET)).toBeNull();
    expect(readSecurityToken(`${version}.${payload}`, SECRET)).toBeNull();
    expect(readSecurityToken('', SECRET)).toBeNull();
    expect(readSecurityToken(securityToken, 'another secret')).toBeNull();
  });
});
