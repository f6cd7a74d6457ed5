import { describeRequest, ROUTES, type Route } from './routes';

/**
 * The operations table of docs/local-oss.md, rendered from ROUTES and the set of implemented
 * operations, so the documentation is checked against the code (test/server/local-oss/routes.test.ts).
 */
export function renderOperationsTable(implemented: ReadonlySet<string>): string {
  const lines = ['| Request | Operation | RAM action | Local OSS |', '| --- | --- | --- | --- |'];
  for (const row of ROUTES as readonly Route[]) {
    lines.push(`| \`${describeRequest(row)}\` | ${row.name} | \`${row.action}\` | ${status(row, implemented.has(row.name))} |`);
  }
  return lines.join('\n');
}

function status(row: Route, implemented: boolean): string {
  if (row.refusedBeforeAuthentication !== undefined) return '501 NotImplemented, before authentication: the credentials or keys are in the body';
  if (!implemented) return '501 NotImplemented';
  const accepted = row.accepts === undefined ? '' : ` (with ${row.accepts.map((name) => `\`${name}\``).join(', ')})`;
  const refused = (row.refuses ?? []).map((refusal) => refusal.what);
  const perKey = row.authorizedPerKey === undefined ? '' : `; authorized per key: ${row.authorizedPerKey}`;
  return `implemented${accepted}${perKey}${refused.length === 0 ? '' : `; refused (501 unless noted): ${refused.join('; ')}`}`;
}
