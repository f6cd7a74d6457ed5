import { OssError } from '../errors';
import { hasQuery, header } from './request-parts';
import type { AuthContext, AuthRequest, Principal } from './types';
import { verifyV1Header, verifyV1Query } from './v1';
import { verifyV4Header, verifyV4Query } from './v4';

/**
 * Identifies the signer of an OSS request: V1 or V4, by header or presigned URL. Throws OssError
 * (AccessDenied, InvalidArgument, RequestTimeTooSkewed, InvalidAccessKeyId, InvalidSecurityToken,
 * SecurityTokenExpired, AccessKeyIdAndSecurityTokenNotMatch, SignatureDoesNotMatch, InvalidRequest).
 * Anonymous requests are refused: this server has no public-read buckets.
 */
export function authenticate(req: AuthRequest, ctx: AuthContext): Principal {
  const authorization = header(req, 'authorization');
  const v1Query = hasQuery(req, 'OSSAccessKeyId') || hasQuery(req, 'Signature');
  const v4Query = hasQuery(req, 'x-oss-signature') || hasQuery(req, 'x-oss-credential') || hasQuery(req, 'x-oss-signature-version');

  if (authorization !== undefined && authorization !== '') {
    if (v1Query || v4Query) {
      throw new OssError('InvalidArgument', 'Only one authentication method may be used: Authorization header or signed URL.');
    }
    if (/^OSS4-HMAC-SHA256(\s|$)/.test(authorization.trim())) return verifyV4Header(req, authorization, ctx);
    if (/^OSS(\s|$)/.test(authorization.trim())) return verifyV1Header(req, authorization, ctx);
    throw new OssError('InvalidArgument', 'Authorization header is invalid.');
  }
  if (v1Query && v4Query) {
    throw new OssError('InvalidArgument', 'Only one signed-URL version may be used per request.');
  }
  if (v1Query) return verifyV1Query(req, ctx);
  if (v4Query) return verifyV4Query(req, ctx);
  throw new OssError('AccessDenied', 'You have no right to access this object because of bucket acl.');
}
