import { OssError } from '../errors';
import { STS_ACCESS_KEY_PREFIX, deriveStsSecret, readSecurityToken } from '../sts/token';
import type { AuthContext, Principal } from './types';

export interface ResolvedCredentials {
  principal: Principal;
  /** The AccessKeySecret the request must have been signed with. */
  secret: string;
}

/**
 * Maps the AccessKeyId (and security token, if any) of a request to its principal and signing secret.
 * Runs before the signature check, because the secret is needed to compute it.
 */
export function resolveCredentials(accessKeyId: string, securityToken: string | undefined, ctx: AuthContext): ResolvedCredentials {
  const extra = { OSSAccessKeyId: accessKeyId };
  if (accessKeyId === ctx.rootAccessKeyId) {
    if (securityToken) throw new OssError('AccessKeyIdAndSecurityTokenNotMatch', undefined, extra);
    return { principal: { accessKeyId, kind: 'root' }, secret: ctx.rootAccessKeySecret };
  }
  if (!accessKeyId.startsWith(STS_ACCESS_KEY_PREFIX)) {
    throw new OssError('InvalidAccessKeyId', undefined, extra);
  }
  if (!securityToken) {
    throw new OssError(
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records. The Security Token may be lost to specify that it is a STS Access Id.',
      extra,
    );
  }
  const claims = readSecurityToken(securityToken, ctx.tokenSecret);
  if (!claims) throw new OssError('InvalidSecurityToken');
  if (claims.accessKeyId !== accessKeyId) throw new OssError('AccessKeyIdAndSecurityTokenNotMatch', undefined, extra);
  if (ctx.now() >= claims.expiresAt) throw new OssError('SecurityTokenExpired');

  const principal: Principal = { accessKeyId, kind: 'sts', roleArn: claims.roleArn, expiresAt: claims.expiresAt };
  if (claims.policy) principal.sessionPolicy = claims.policy;
  return { principal, secret: deriveStsSecret(accessKeyId, ctx.tokenSecret) };
}
