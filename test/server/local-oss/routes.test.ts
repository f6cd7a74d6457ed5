import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { actionForOperation } from '../../../src/server/local-oss/auth';
import { OssError } from '../../../src/server/local-oss/errors';
import { HANDLERS, IMPLEMENTED, resolveOperation } from '../../../src/server/local-oss/operations';
import { refusalFor, routeFor, ROUTES, type Route } from '../../../src/server/local-oss/operations/routes';
import { renderOperationsTable } from '../../../src/server/local-oss/operations/routes-doc';
import type { OssRequest } from '../../../src/server/local-oss/request';

const DOC = new URL('../../../docs/local-oss.md', import.meta.url);
const BEGIN = '<!-- operations-table:begin (generated from src/server/local-oss/operations/routes.ts; UPDATE_LOCAL_OSS_DOC=1 rewrites it) -->';
const END = '<!-- operations-table:end -->';

function request(method: string, path: string, headers: Record<string, string> = {}): OssRequest {
  const url = new URL(path, 'http://localhost');
  const [bucket = null, ...rest] = url.pathname.slice(1).split('/');
  const key = rest.join('/');
  return {
    method,
    bucket: bucket === '' ? null : bucket,
    key: key === '' ? null : decodeURIComponent(key),
    query: url.search === '' ? [] : url.search.slice(1).split('&').map((pair) => {
      const [name = '', value = ''] = pair.split('=');
      return [decodeURIComponent(name), decodeURIComponent(value)];
    }),
    headers,
  };
}

describe('one table resolves every request', () => {
  it.each<[string, string, Record<string, string>, string]>([
    ['PUT', '/b/k', {}, 'PutObject'],
    ['PUT', '/b/k?tagging', {}, 'PutObjectTagging'],
    ['PUT', '/b/k?acl', {}, 'PutObjectACL'],
    ['DELETE', '/b/k?tagging', {}, 'DeleteObjectTagging'],
    ['DELETE', '/b/k', {}, 'DeleteObject'],
    ['PUT', '/b/k?symlink', { 'x-oss-symlink-target': 't' }, 'PutSymlink'],
    ['PUT', '/b/k', { 'x-oss-copy-source': '/b/src' }, 'CopyObject'],
    ['PUT', '/b/k?partNumber=1&uploadId=U', {}, 'UploadPart'],
    ['PUT', '/b/k?partNumber=1&uploadId=U', { 'x-oss-copy-source': '/b/src' }, 'UploadPartCopy'],
    ['PUT', '/b/k?acl', { 'x-oss-copy-source': '/b/src' }, 'PutObjectACL'],
    ['GET', '/b/k', {}, 'GetObject'],
    ['GET', '/b/k?uploadId=U', {}, 'ListParts'],
    ['HEAD', '/b/k?objectMeta', {}, 'GetObjectMeta'],
    ['POST', '/b/k?append&position=0', {}, 'AppendObject'],
    ['POST', '/b/k?uploads', {}, 'InitiateMultipartUpload'],
    ['POST', '/b/k?uploadId=U', {}, 'CompleteMultipartUpload'],
    ['GET', '/b', {}, 'ListObjects'],
    ['GET', '/b?list-type=2', {}, 'ListObjectsV2'],
    ['GET', '/b?list-type=1', {}, 'ListObjects'],
    ['GET', '/b?uploads', {}, 'ListMultipartUploads'],
    ['GET', '/b?acl', {}, 'GetBucketAcl'],
    ['GET', '/b?inventory', {}, 'ListBucketInventory'],
    ['GET', '/b?inventory&inventoryId=x', {}, 'GetBucketInventory'],
    ['POST', '/b?replication&comp=add', {}, 'PutBucketReplication'],
    ['GET', '/', {}, 'ListBuckets'],
  ])('%s %s %j → %s', (method, path, headers, operation) => {
    expect(routeFor(request(method, path, headers)).name).toBe(operation);
  });

  it('answers MethodNotAllowed when no operation takes the method', () => {
    for (const [method, path] of [['PATCH', '/b/k'], ['POST', '/b/k'], ['HEAD', '/b']]) {
      expect(() => routeFor(request(method ?? '', path ?? ''))).toThrow(expect.objectContaining({ code: 'MethodNotAllowed' }));
    }
  });

  it('refuses before authentication what cannot be authenticated or authorized without implementing it', () => {
    expect(() => resolveOperation(request('POST', '/b'))).toThrow(expect.objectContaining({ code: 'NotImplemented' }));
    // DeleteMultipleObjects is implemented: its handler authorizes each key of the body.
    expect(resolveOperation(request('POST', '/b?delete'))).toBe('DeleteMultipleObjects');
  });

  it('refuses, on an implemented operation, a sub-resource OSS defines that it does not honour', () => {
    const refusal = (method: string, path: string, headers: Record<string, string> = {}): string | undefined => {
      const req = request(method, path, headers);
      return refusalFor(routeFor(req), req)?.message;
    };
    expect(refusal('GET', '/b/k?x-oss-process=image/resize,w_10')).toMatch(/GetObject with image and document processing/);
    expect(refusal('DELETE', '/b/k?versionId=v1')).toMatch(/DeleteObject with versioning/);
    // A V1 presigned URL carries its upload callback as parameters.
    expect(refusal('PUT', '/b/k?callback=e30%3D&callback-var=e30%3D')).toMatch(/PutObject with an upload callback \(the callback parameter\)/);
    expect(refusal('GET', '/b/k?response-content-type=text/plain&x-oss-traffic-limit=819200&t=123')).toBeUndefined();
    expect(refusal('GET', '/b?list-type=2&continuation-token=x')).toBeUndefined();
    expect(refusal('PUT', '/b/k', { 'x-oss-storage-class': 'Standard', 'x-oss-object-acl': 'default', 'x-oss-forbid-overwrite': 'false' })).toBeUndefined();
    expect(refusal('PUT', '/b/k', { 'x-oss-storage-class': 'Archive' })).toMatch(/PutObject with x-oss-storage-class: Archive/);
    // ali-oss sends a multipart upload's object headers with every part and with Complete; OSS ignores them there.
    const objectHeaders = { 'x-oss-storage-class': 'Archive', 'x-oss-object-acl': 'private', 'x-oss-tagging': 'a=1', 'x-oss-forbid-overwrite': 'true' };
    expect(refusal('PUT', '/b/k?partNumber=1&uploadId=U', objectHeaders)).toBeUndefined();
    expect(refusal('POST', '/b/k?uploadId=U', objectHeaders)).toBeUndefined();
  });
});

describe('the table itself', () => {
  const rows = ROUTES as readonly Route[];

  it('has one RAM action and one level per operation name, and unique request shapes', () => {
    const byName = new Map<string, Route>();
    const shapes = new Set<string>();
    for (const row of rows) {
      const first = byName.get(row.name) ?? row;
      byName.set(row.name, first);
      expect([row.name, row.action, row.level]).toEqual([row.name, first.action, first.level]);
      const shape = `${row.method} ${row.level} ${[...row.query].sort().join('&')} ${row.header ?? ''}`;
      expect(shapes.has(shape), shape).toBe(false);
      shapes.add(shape);
    }
  });

  it('implements only operations it routes, and has a handler for every one', () => {
    const names = new Set(rows.map((row) => row.name));
    for (const name of Object.keys(IMPLEMENTED)) expect(names.has(name), name).toBe(true);
    for (const name of names) expect(typeof HANDLERS[name as keyof typeof HANDLERS], name).toBe('function');
  });

  it('gives actionForOperation a RAM request for every operation', () => {
    for (const row of rows) {
      const access = actionForOperation(row.name as Parameters<typeof actionForOperation>[0], { bucket: 'b', key: 'k' });
      expect(access.action).toBe(row.action);
      expect(access.resource).toBe({ service: 'acs:oss:*:*:*', bucket: 'acs:oss:*:*:b', object: 'acs:oss:*:*:b/k' }[row.level]);
    }
  });

  it('answers an unimplemented operation with 501 NotImplemented naming it, without touching storage', async () => {
    const unimplemented = rows.filter((row) => !(row.name in IMPLEMENTED) && row.refusedBeforeAuthentication === undefined);
    expect(unimplemented.length).toBeGreaterThan(50);
    for (const row of unimplemented) {
      // A context whose storage would throw if touched.
      const ctx = new Proxy({ request: request(row.method, exampleUrl(row), row.header ? { [row.header]: '/b/src' } : {}) }, {
        get: (target, property) => (property === 'request' ? target.request : fail(`${row.name} touched ctx.${String(property)}`)),
      });
      const error = await HANDLERS[row.name as keyof typeof HANDLERS](ctx as never).then(() => null, (thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(OssError);
      expect(error).toMatchObject({ code: 'NotImplemented', status: 501 });
      expect((error as OssError).message).toContain(row.name);
    }
  });
});

function exampleUrl(row: Route): string {
  const path = row.level === 'service' ? '/' : row.level === 'bucket' ? '/b' : '/b/k';
  return row.query.length === 0 ? path : `${path}?${row.query.join('&')}`;
}

function fail(message: string): never {
  throw new Error(message);
}

describe('docs/local-oss.md', () => {
  it('lists every row of the table as the code has it', async () => {
    const expected = renderOperationsTable(new Set(Object.keys(IMPLEMENTED)));
    const doc = await readFile(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, `docs/local-oss.md lacks the marker ${BEGIN}`).toBeGreaterThan(-1);
    const current = doc.slice(start + BEGIN.length, end).trim();
    if (current !== expected && process.env.UPDATE_LOCAL_OSS_DOC === '1') {
      await writeFile(DOC, `${doc.slice(0, start + BEGIN.length)}\n${expected}\n${doc.slice(end)}`);
      return;
    }
    expect(current).toBe(expected);
    for (const row of ROUTES) expect(current).toContain(`| ${row.name} |`);
  });
});
