import type { AccessRequest, ConditionBlock, ConditionScalar, Policy, PolicyDecision, Statement } from './types';
import { matchesWildcard } from './wildcard';

/**
 * RAM evaluation of one policy: any matching Deny wins, else any matching Allow allows, else no match
 * (implicit deny).
 *
 * Conditions whose outcome cannot be decided here (an operator this server does not implement, or a
 * key the request does not supply) are treated deny-safe: such an Allow statement does not apply,
 * such a Deny statement does.
 */
export function evaluatePolicy(policy: Policy, request: AccessRequest): PolicyDecision {
  let allowed = false;
  for (const statement of policy.Statement) {
    if (!matchesTarget(statement, request)) continue;
    const condition = evaluateConditions(statement.Condition, request.conditions ?? {});
    if (statement.Effect === 'Deny' && condition !== false) return 'Deny';
    if (statement.Effect === 'Allow' && condition === true) allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}

function matchesTarget(statement: Statement, request: AccessRequest): boolean {
  // Action names are identifiers, compared case-insensitively; resources hold object keys, which are not.
  return (
    asList(statement.Action).some((pattern) => matchesWildcard(pattern, request.action, true)) &&
    asList(statement.Resource).some((pattern) => matchesResource(pattern, request.resource))
  );
}

/**
 * Resources look like `acs:oss:{region}:{owner}:{bucket}/{key}`. This server knows neither region nor
 * account, so requests carry `*` there; a policy naming a concrete region or owner still applies.
 */
function matchesResource(pattern: string, resource: string): boolean {
  if (matchesWildcard(pattern, resource)) return true;
  const p = splitArn(pattern);
  const r = splitArn(resource);
  if (!p || !r) return false;
  return p.every((field, i) => {
    const value = r[i] ?? '';
    return (value === '*' && (i === 2 || i === 3)) || matchesWildcard(field, value);
  });
}

/** Splits at the first four colons only: object keys may contain colons. */
function splitArn(arn: string): string[] | null {
  const fields = arn.split(':');
  if (fields.length < 5) return null;
  return [...fields.slice(0, 4), fields.slice(4).join(':')];
}

type Outcome = boolean | 'unknown';

const STRING_OPERATORS: Record<string, { negate: boolean; like: boolean; ignoreCase: boolean }> = {
  StringEquals: { negate: false, like: false, ignoreCase: false },
  StringNotEquals: { negate: true, like: false, ignoreCase: false },
  StringEqualsIgnoreCase: { negate: false, like: false, ignoreCase: true },
  StringNotEqualsIgnoreCase: { negate: true, like: false, ignoreCase: true },
  StringLike: { negate: false, like: true, ignoreCase: false },
  StringNotLike: { negate: true, like: true, ignoreCase: false },
  StringLikeIgnoreCase: { negate: false, like: true, ignoreCase: true },
  StringNotLikeIgnoreCase: { negate: true, like: true, ignoreCase: true },
};

/** Operators and keys are ANDed; the values listed for one key are ORed. */
function evaluateConditions(block: ConditionBlock | undefined, known: Record<string, string>): Outcome {
  if (!block) return true;
  const knownByLowerName = new Map(Object.entries(known).map(([name, value]) => [name.toLowerCase(), value]));
  let outcome: Outcome = true;
  for (const [operatorName, keys] of Object.entries(block)) {
    const operator = STRING_OPERATORS[operatorName];
    for (const [key, expected] of Object.entries(keys)) {
      // Condition key names are case-insensitive in RAM.
      const actual = knownByLowerName.get(key.toLowerCase());
      if (!operator || actual === undefined) {
        outcome = 'unknown';
        continue;
      }
      const anyMatch = asList(expected).some((value) => {
        const text = String(value);
        if (operator.like) return matchesWildcard(text, actual, operator.ignoreCase);
        return operator.ignoreCase ? text.toLowerCase() === actual.toLowerCase() : text === actual;
      });
      if (anyMatch === operator.negate) return false;
    }
  }
  return outcome;
}

function asList<T extends ConditionScalar>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
