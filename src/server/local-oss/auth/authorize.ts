import { OssError } from '../errors';
import { evaluatePolicy } from '../policy/evaluate';
import type { AccessRequest } from '../policy/types';
import type { AuthContext, Principal } from './types';

/**
 * Throws AccessDenied unless the principal may perform the request. The root key may do anything.
 * An STS principal needs an Allow from its role's policy AND (when the token carries one) from its
 * session policy; an explicit Deny in either wins.
 */
export function authorize(principal: Principal, op: AccessRequest, ctx: AuthContext): void {
  if (principal.kind === 'root') return;
  const role = principal.roleArn === undefined ? undefined : ctx.roles.get(principal.roleArn);
  // A role deleted after the token was issued grants nothing.
  if (!role) throw denied();
  const request: AccessRequest = { ...op, conditions: { ...op.conditions, 'acs:AccessId': principal.accessKeyId } };
  const roleDecision = evaluatePolicy(role.policy, request);
  const sessionDecision = principal.sessionPolicy ? evaluatePolicy(principal.sessionPolicy, request) : 'Allow';
  if (roleDecision !== 'Allow' || sessionDecision !== 'Allow') throw denied();
}

function denied(): OssError {
  return new OssError('AccessDenied', "Access denied by authorizer's policy.");
}
