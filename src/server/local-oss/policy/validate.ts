import type { ConditionBlock, ConditionScalar, Policy, Statement } from './types';

export const MAX_POLICY_LENGTH = 2048;

export type PolicyErrorCode = 'InvalidParameter.PolicyGrammar' | 'InvalidParameter.PolicySize';

export class PolicyValidationError extends Error {
  readonly code: PolicyErrorCode;

  constructor(code: PolicyErrorCode, message: string) {
    super(message);
    this.name = 'PolicyValidationError';
    this.code = code;
  }
}

/**
 * Parses and checks a policy document (JSON text, or an already parsed value) against the grammar
 * this server evaluates, and returns it typed. Anything it could not evaluate faithfully (NotAction,
 * NotResource, Principal, unknown fields) is a grammar error rather than something silently ignored.
 * Unknown condition operators pass here and are treated deny-safe by `evaluatePolicy`.
 */
export function validatePolicy(json: unknown): Policy {
  let value = json;
  if (typeof json === 'string') {
    if (json.length > MAX_POLICY_LENGTH) {
      throw new PolicyValidationError('InvalidParameter.PolicySize', `The size of Policy must be smaller than ${MAX_POLICY_LENGTH} characters.`);
    }
    try {
      value = JSON.parse(json);
    } catch {
      throw grammar('the policy is not valid JSON');
    }
  }
  const doc = asRecord(value, 'the policy');
  onlyKeys(doc, ['Version', 'Statement'], 'the policy');
  if (doc.Version !== '1') throw grammar('Version must be "1"');
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) throw grammar('Statement must be a non-empty array');
  return { Version: '1', Statement: doc.Statement.map((statement, i) => validateStatement(statement, `Statement[${i}]`)) };
}

function validateStatement(value: unknown, where: string): Statement {
  const s = asRecord(value, where);
  onlyKeys(s, ['Effect', 'Action', 'Resource', 'Condition'], where);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw grammar(`${where}.Effect must be "Allow" or "Deny"`);
  const statement: Statement = {
    Effect: s.Effect,
    Action: stringOrList(s.Action, `${where}.Action`, (a) => a === '*' || /^[\w*?-]+:[\w*?-]+$/.test(a)),
    Resource: stringOrList(s.Resource, `${where}.Resource`, (r) => r.length > 0),
  };
  if (s.Condition !== undefined) statement.Condition = validateCondition(s.Condition, `${where}.Condition`);
  return statement;
}

function validateCondition(value: unknown, where: string): ConditionBlock {
  const block = asRecord(value, where);
  const result: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(block)) {
    if (!/^[A-Za-z]+$/.test(operator)) throw grammar(`${where}: "${operator}" is not a condition operator`);
    const entries = asRecord(keys, `${where}.${operator}`);
    result[operator] = {};
    for (const [key, expected] of Object.entries(entries)) {
      if (!/^[\w-]+:[\w/-]+$/.test(key)) throw grammar(`${where}.${operator}: "${key}" is not a condition key`);
      const list = Array.isArray(expected) ? expected : [expected];
      if (list.length === 0 || !list.every(isScalar)) throw grammar(`${where}.${operator}.${key} must be a value or a non-empty list of values`);
      result[operator][key] = Array.isArray(expected) ? (list as ConditionScalar[]) : (expected as ConditionScalar);
    }
  }
  return result;
}

function stringOrList(value: unknown, where: string, valid: (item: string) => boolean): string | string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item): item is string => typeof item === 'string' && valid(item))) {
    throw grammar(`${where} must be a valid string or a non-empty list of them`);
  }
  return Array.isArray(value) ? (list as string[]) : (value as string);
}

function isScalar(value: unknown): value is ConditionScalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw grammar(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function onlyKeys(record: Record<string, unknown>, allowed: string[], where: string): void {
  const extra = Object.keys(record).find((key) => !allowed.includes(key));
  if (extra !== undefined) throw grammar(`${where}: "${extra}" is not supported`);
}

function grammar(detail: string): PolicyValidationError {
  return new PolicyValidationError('InvalidParameter.PolicyGrammar', `The parameter Policy has not passed grammar check: ${detail}.`);
}
