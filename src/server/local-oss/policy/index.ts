export type { AccessRequest, ConditionBlock, ConditionScalar, Effect, Policy, PolicyDecision, Statement } from './types';
export { evaluatePolicy } from './evaluate';
export { MAX_POLICY_LENGTH, PolicyValidationError, validatePolicy, type PolicyErrorCode } from './validate';
export { matchesWildcard } from './wildcard';
