/**
 * STS for the local OSS server: the AssumeRole RPC endpoint and the stateless temporary
 * credentials it issues (see token.ts for their format).
 */
export { handleStsRequest, type StsContext, type StsHttpRequest, type StsHttpResponse } from './assume-role';
export { createStsListener } from './listener';
export { STS_ERRORS, StsApiError, type StsErrorCode } from './errors';
export { RecentNonces } from './recent-nonces';
export { rpcSignature, rpcStringToSign } from './rpc-signature';
export { issueStsCredentials, readSecurityToken, type SecurityTokenClaims, type IssuedStsCredentials } from './token';
