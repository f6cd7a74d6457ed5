/** Structured log sink of the token endpoint. Fields never carry secrets: pass them through `redactSecret`. */
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
