/**
 * Authentication and authorization for the local OSS server: who signed a request (V1/V4, header or
 * presigned URL, root key or STS credentials) and whether RAM policies let them do it.
 */
export type { AuthContext, AuthRequest, Principal } from './types';
export type { AccessRequest, Policy } from '../policy/types';
export { authenticate } from './authenticate';
export { authorize } from './authorize';
export { actionForOperation, type OperationTarget, type OssOperation } from './actions';
