/**
 * Structured log sink of the token endpoint. Fields never carry keys, secrets or tokens: pass them
 * through `redactSecret`. What upstream services said (STS's messages, which can name the role ARN,
 * the account or the policy) is logged here and only here; clients get a code and a sentence of ours.
 */
export interface TokenLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

/** One JSON line per event on stdout/stderr. */
export const consoleTokenLogger: TokenLogger = {
  info: (event, fields) => console.log(JSON.stringify({ level: 'info', event, ...fields })),
  warn: (event, fields) => console.warn(JSON.stringify({ level: 'warn', event, ...fields })),
};

/** Enough to tell two keys or tokens apart in a log, not enough to use one: first 4 characters and the length. */
export function redactSecret(value: string): string {
  return `${value.slice(0, 4)}…(${value.length})`;
}
