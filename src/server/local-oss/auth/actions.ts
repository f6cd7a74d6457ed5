import { ROUTES, type OperationName } from '../operations/routes';
import type { AccessRequest } from '../policy/types';

/**
 * OSS API operations this server may authorize, by their OSS API names: every row of the
 * operations table (operations/routes.ts), which also holds each one's RAM action and level, so
 * what is authorized can never drift from what is routed.
 */
export type OssOperation = OperationName;

const ROUTE_OF = new Map<string, (typeof ROUTES)[number]>();
for (const row of ROUTES) if (!ROUTE_OF.has(row.name)) ROUTE_OF.set(row.name, row);

export interface OperationTarget {
  bucket: string;
  /** Decoded object key; required for object-level operations. */
  key?: string | null;
  /** Decoded query pairs of the request; read for `prefix` and `delimiter` of listings. */
  query?: ReadonlyArray<readonly [string, string]>;
}

/**
 * The RAM view of one operation, ready for `authorize`:
 * object-level → `acs:oss:*:*:{bucket}/{key}`, bucket-level → `acs:oss:*:*:{bucket}`, service-level
 * (ListBuckets) → `acs:oss:*:*:*`. Region and account are `*` because this server has neither.
 * Listings carry `oss:Prefix` / `oss:Delimiter` conditions. Multi-object deletes and copies are
 * several authorizations (one per key / source and target); the one returned here is the target's.
 *
 * @example authorize(principal, actionForOperation('UploadPart', { bucket, key }), ctx)
 */
export function actionForOperation(operation: OssOperation, target: OperationTarget): AccessRequest {
  const row = ROUTE_OF.get(operation);
  if (!row) throw new TypeError(`${operation} is not an operation of the routing table`);
  const { action } = row;
  if (row.level === 'service') return { action, resource: 'acs:oss:*:*:*' };
  if (row.level === 'bucket') {
    const request: AccessRequest = { action, resource: `acs:oss:*:*:${target.bucket}` };
    if ('listing' in row && row.listing) {
      const value = (name: string): string => target.query?.find(([n]) => n === name)?.[1] ?? '';
      request.conditions = { 'oss:Prefix': value('prefix'), 'oss:Delimiter': value('delimiter') };
    }
    return request;
  }
  if (target.key === undefined || target.key === null) {
    throw new TypeError(`${operation} is an object-level operation and needs a key`);
  }
  return { action, resource: `acs:oss:*:*:${target.bucket}/${target.key}` };
}
