/**
 * RAM policy documents as used for OSS (role permission policies and STS session policies).
 * Only the grammar this server evaluates is modelled; `validatePolicy` rejects everything else.
 */
export type Effect = 'Allow' | 'Deny';

/** A scalar condition value; JSON numbers and booleans are compared as their string form. */
export type ConditionScalar = string | number | boolean;

/** `{ "<Operator>": { "<condition key>": value | [values] } }` */
export type ConditionBlock = Record<string, Record<string, ConditionScalar | ConditionScalar[]>>;

export interface Statement {
  Effect: Effect;
  /** `oss:PutObject`, `oss:*`, `*`; wildcards `*` and `?`. */
  Action: string | string[];
  /** `acs:oss:*:*:bucket/key-pattern`, `acs:oss:*:*:bucket`, `*`; wildcards `*` and `?`. */
  Resource: string | string[];
  Condition?: ConditionBlock;
}

export interface Policy {
  Version: '1';
  Statement: Statement[];
}

/** What a request asks for, as policies see it. */
export interface AccessRequest {
  action: string;
  resource: string;
  /** Condition keys known for this request, e.g. `{ 'oss:Prefix': 'users/42/' }`. */
  conditions?: Record<string, string>;
}

/** `Deny` = an explicit Deny matched; `NoMatch` = no statement applies (implicit deny). */
export type PolicyDecision = 'Allow' | 'Deny' | 'NoMatch';
