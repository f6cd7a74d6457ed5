import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1_SUB_RESOURCES } from '../../../../src/server/local-oss/auth/v1';
import { IMPLEMENTED } from '../../../../src/server/local-oss/operations';
import { ROUTES, type Route } from '../../../../src/server/local-oss/operations/routes';
import { BUCKET, ROLE_ARN, ROOT_ID, ROOT_SECRET, failureOf, listParts, startHarness, type Harness } from './harness';

/**
 * Requests for operations the local OSS does not implement, and for features of implemented ones
 * it does not support, are refused with an OSS error and change nothing that is stored.
 */
const APP_ORIGIN = 'http://localhost:5173';
const SEED = 'seed/object.txt';
const SEED_BODY = Buffer.from('the original bytes');
const UPLOAD_KEY = 'seed/upload.bin';
const NEW_BODY = Buffer.from('<Replacement>must not be stored</Replacement>');

let harness: Harness;
let uploadId: string;
let partEtag: string;

beforeAll(async () => {
  harness = await startHarness({ corsAllowedOrigins: [APP_ORIGIN] });
  const client = harness.client();
  await client.put(SEED, SEED_BODY, { headers: { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store', 'x-oss-meta-owner': 'alice' } });
  ({ uploadId } = await client.initMultipartUpload(UPLOAD_KEY));
  partEtag = (await client.uploadPart(UPLOAD_KEY, uploadId, 1, Buffer.from('0123456789') as never, 0, 10)).etag;
});

afterAll(async () => {
  await harness.dispose();
});

/** Everything a refused request could have changed: the seeded object, the keys and uploads under seed/, the upload's parts. */
async function storedState(): Promise<unknown> {
  const client = harness.client();
  const got = await client.get(SEED);
  const headers = got.res.headers as Record<string, string>;
  const list = await client.listV2({ prefix: 'seed/', 'max-keys': '1000' } as never, {});
  const uploads = await client.listUploads({ prefix: 'seed/' }, {});
  const { parts } = await listParts(client, UPLOAD_KEY, uploadId);
  return {
    bytes: (got.content as Buffer).toString('hex'),
    headers: Object.fromEntries(
      ['etag', 'content-length', 'content-type', 'cache-control', 'last-modified', 'x-oss-meta-owner', 'x-oss-object-type', 'x-oss-storage-class', 'x-oss-hash-crc64ecma']
        .map((name) => [name, headers[name]]),
    ),
    keys: (list.objects ?? []).map((object) => [object.name, object.etag, object.size]),
    uploads: uploads.uploads.map((upload) => [upload.name, upload.uploadId]),
    parts: parts.map((part) => [part.PartNumber, part.ETag, part.Size]),
  };
}

let before: unknown;
beforeAll(async () => {
  before = await storedState();
});

interface AliOssInternals {
  _objectRequestParams(method: string, name: string, options: object): Record<string, unknown>;
  _bucketRequestParams(method: string, bucket: string, subres: object, options: object): Record<string, unknown>;
  request(params: object): Promise<unknown>;
}

/** Without a bucket in the URL the server refuses before it gets to an operation, so service rows are left out. */
const unimplemented = (ROUTES as readonly Route[]).filter((row) => !(row.name in IMPLEMENTED) && row.level !== 'service');

/** Query parameters that select `row`, with values the server will look at (a real upload id). */
function selectorsOf(row: Route): Record<string, string> {
  const query: Record<string, string> = {};
  for (const selector of row.query) {
    const [name = '', value = ''] = selector.split('=');
    query[name] = name === 'uploadId' ? uploadId : value;
  }
  if ('uploadId' in query) query.partNumber = '2';
  return query;
}

/** One request for `row`, signed and sent by ali-oss itself (header auth, V1 or V4). */
function sendWithAliOss(client: OSS, row: Route): Promise<unknown> {
  const internals = client as unknown as AliOssInternals;
  // ali-oss signs `subres` in V1; parameters outside OSS's V1 list go unsigned, as `query`.
  const subres: Record<string, string> = {};
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(selectorsOf(row))) (V1_SUB_RESOURCES.has(name) ? subres : query)[name] = value;
  const options = { subres, headers: row.header ? { [row.header]: `/${BUCKET}/${SEED}` } : {} };
  const params =
    row.level === 'object' ? internals._objectRequestParams(row.method, SEED, options) : internals._bucketRequestParams(row.method, BUCKET, subres, options);
  const body = row.method === 'PUT' || row.method === 'POST' ? { content: NEW_BODY, mime: 'application/xml' } : {};
  return internals.request({ ...params, query, ...body, successStatuses: [200, 204, 206] });
}

describe.each([
  ['V1', false],
  ['V4', true],
])('every unimplemented operation of the table, sent by ali-oss (%s)', (_mode, authorizationV4) => {
  it.each(unimplemented.map((row) => [row.name, row] as const))('%s: 501 NotImplemented, nothing stored', async (name, row) => {
    const error = await failureOf(sendWithAliOss(harness.client({ authorizationV4 }), row));
    expect(error).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(error.message).toContain(name);
    expect(await storedState()).toEqual(before);
  });
});

describe('every unimplemented operation of the table, as a V4 presigned request from a browser origin', () => {
  it.each(unimplemented.map((row) => [row.name, row] as const))('%s: 501 with request id and CORS headers, nothing stored', async (name, row) => {
    const headers: Record<string, string> = row.header ? { [row.header]: `/${BUCKET}/${SEED}` } : {};
    // ali-oss's typings want an object name; bucket-level URLs have none.
    const objectName = (row.level === 'object' ? SEED : undefined) as string;
    const url = await harness.client().signatureUrlV4(row.method as OSS.HTTPMethods, 600, { headers, queries: selectorsOf(row) }, objectName);
    const hasBody = row.method === 'PUT' || row.method === 'POST';
    const response = await fetch(url, { method: row.method, headers: { ...headers, Origin: APP_ORIGIN }, ...(hasBody ? { body: NEW_BODY } : {}) });
    expect(response.status).toBe(501);
    expect(response.headers.get('x-oss-request-id')).toMatch(/^[0-9A-F]{24}$/);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const xml = row.method === 'HEAD' ? Buffer.from(response.headers.get('x-oss-err') ?? '', 'base64').toString('utf8') : await response.text();
    expect(xml).toContain('<Code>NotImplemented</Code>');
    expect(xml).toContain(name);
    expect(await storedState()).toEqual(before);
  });
});

/** ali-oss 6.23 methods its typings lack. */
interface UntypedMethods {
  putObjectTagging(name: string, tags: Record<string, string>): Promise<unknown>;
  getObjectTagging(name: string): Promise<unknown>;
  deleteObjectTagging(name: string): Promise<unknown>;
  getBucketVersioning(name: string): Promise<unknown>;
  getObjectMeta(name: string): Promise<unknown>;
}
type Client = OSS & UntypedMethods;

/** The calls of the issue and their neighbours, through ali-oss's own methods. */
const CALLS: Array<[string, (client: Client) => Promise<unknown>]> = [
  ['putACL', (c) => c.putACL(SEED, 'public-read')],
  ['getACL', (c) => c.getACL(SEED)],
  ['putSymlink', (c) => c.putSymlink('seed/link', SEED)],
  ['getSymlink', (c) => c.getSymlink(SEED)],
  ['uploadPartCopy', (c) => c.uploadPartCopy(UPLOAD_KEY, uploadId, 2, '0-3', { sourceKey: SEED, sourceBucketName: BUCKET }, {})],
  ['getBucketACL', (c) => c.getBucketACL(BUCKET)],
  ['putBucketACL', (c) => c.putBucketACL(BUCKET, 'public-read')],
  ['getBucketInfo', (c) => c.getBucketInfo(BUCKET)],
  ['getBucketVersioning', (c) => c.getBucketVersioning(BUCKET)],
  ['getObjectMeta', (c) => c.getObjectMeta(SEED)],
  ['restore', (c) => c.restore(SEED)],
  ['append', (c) => c.append(SEED, NEW_BODY)],
  ['delete with versionId', (c) => c.delete(SEED, { versionId: 'CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFkODY0YjM1NmE=' } as never)],
  ['head with versionId', (c) => c.head(SEED, { versionId: 'CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFkODY0YjM1NmE=' } as never)],
  ['get with x-oss-process', (c) => c.get(SEED, { process: 'image/resize,w_10' })],
  ['get with an x-oss-range-behavior other than standard', (c) => c.get(SEED, { headers: { Range: 'bytes=100-200', 'x-oss-range-behavior': 'lenient' } })],
  ['put with x-oss-storage-class: Archive', (c) => c.put(SEED, NEW_BODY, { headers: { 'x-oss-storage-class': 'Archive' } })],
  ['put with x-oss-storage-class: IA', (c) => c.put(SEED, NEW_BODY, { headers: { 'x-oss-storage-class': 'IA' } })],
  ['put with x-oss-server-side-encryption', (c) => c.put(SEED, NEW_BODY, { headers: { 'x-oss-server-side-encryption': 'AES256' } })],
  ['put with x-oss-server-side-encryption-key-id', (c) => c.put(SEED, NEW_BODY, { headers: { 'x-oss-server-side-encryption-key-id': 'k' } })],
  ['put with x-oss-object-acl', (c) => c.put(SEED, NEW_BODY, { headers: { 'x-oss-object-acl': 'public-read' } })],
  ['put with x-oss-symlink-target', (c) => c.put(SEED, NEW_BODY, { headers: { 'x-oss-symlink-target': 'elsewhere' } })],
  ['initMultipartUpload with x-oss-storage-class: Archive', (c) => c.initMultipartUpload('seed/new-upload', { headers: { 'x-oss-storage-class': 'Archive' } })],
  ['initMultipartUpload with x-oss-server-side-encryption', (c) => c.initMultipartUpload('seed/new-upload', { headers: { 'x-oss-server-side-encryption': 'KMS' } })],
];

describe.each([
  ['V1', false],
  ['V4', true],
])('ali-oss calls the local OSS refuses (%s)', (_mode, authorizationV4) => {
  it.each(CALLS)('%s: 501 NotImplemented, nothing stored', async (_name, call) => {
    const error = await failureOf(call(harness.client({ authorizationV4 }) as Client));
    expect(error).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await storedState()).toEqual(before);
  });

  it('x-oss-forbid-overwrite other than true/false: 400 InvalidArgument, nothing stored', async () => {
    const error = await failureOf(harness.client({ authorizationV4 }).put(SEED, NEW_BODY, { headers: { 'x-oss-forbid-overwrite': 'yes' } }));
    expect(error).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(await storedState()).toEqual(before);
  });
});

describe('authentication and authorization come first, as on OSS', () => {
  it('an anonymous request for an unimplemented operation: 403 AccessDenied, nothing stored', async () => {
    const response = await fetch(`${harness.oss.url}/${BUCKET}/${SEED}?tagging`, { method: 'PUT', body: NEW_BODY, headers: { Origin: APP_ORIGIN } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(await storedState()).toEqual(before);
  });

  it('an STS session needs the operation\'s RAM action before it learns the operation is not implemented', async () => {
    const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, endpoint: harness.oss.stsUrl } as never);
    const session = async (actions: string[]): Promise<Client> => {
      const policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: [`acs:oss:*:*:${BUCKET}/seed/*`] }] };
      const { credentials } = (await sts.assumeRole(ROLE_ARN, policy, 900, 'user-a')) as unknown as { credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string } };
      return harness.client({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, stsToken: credentials.SecurityToken }) as Client;
    };
    const putOnly = await session(['oss:PutObject']);
    expect(await failureOf(putOnly.putACL(SEED, 'public-read'))).toMatchObject({ status: 403, code: 'AccessDenied' });
    const acl = await session(['oss:PutObjectAcl']);
    expect(await failureOf(acl.putACL(SEED, 'public-read'))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(await storedState()).toEqual(before);
  });
});
