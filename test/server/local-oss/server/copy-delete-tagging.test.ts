import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, ROLE_ARN, ROOT_ID, ROOT_SECRET, bytes, failureOf, startHarness, type Harness } from './harness';

/** ali-oss 6.23 methods its typings lack. */
interface Untyped {
  putObjectTagging(name: string, tags: Record<string, string>): Promise<{ status: number }>;
  getObjectTagging(name: string): Promise<{ tag: Record<string, string> }>;
  deleteObjectTagging(name: string): Promise<{ status: number }>;
}
type Client = OSS & Untyped;

const SECOND_BUCKET = 'other-bucket';
let harness: Harness;
let client: Client;

beforeAll(async () => {
  harness = await startHarness({ buckets: [BUCKET, SECOND_BUCKET] });
  client = harness.client() as Client;
});

afterAll(async () => {
  await harness.dispose();
});

const blobFiles = async (): Promise<string[]> => readdir(join(harness.dataDir, 'blobs'));
const text = async (key: string, c: OSS = client): Promise<string> => ((await c.get(key)).content as Buffer).toString();

async function stsClient(statements: Array<{ Effect: string; Action: string[]; Resource: string[] }>): Promise<Client> {
  const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, endpoint: harness.oss.stsUrl } as never);
  const { credentials } = (await sts.assumeRole(ROLE_ARN, { Version: '1', Statement: statements }, 900, 'user-a')) as unknown as {
    credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
  };
  return harness.client({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, stsToken: credentials.SecurityToken }) as Client;
}

describe('CopyObject', () => {
  it('copies within the bucket with the source metadata, sharing the data file; deleting either keeps the other', async () => {
    await client.put('copy/src.txt', Buffer.from('source bytes'), { headers: { 'Content-Type': 'text/plain', 'x-oss-meta-owner': 'alice' } });
    const filesBefore = (await blobFiles()).length;
    const result = await client.copy('copy/dst.txt', 'copy/src.txt');
    expect(result.res.status).toBe(200);
    expect(result.data?.etag).toBe((await client.head('copy/src.txt')).res.headers['etag' as never]);
    expect((await blobFiles()).length).toBe(filesBefore);
    const head = await client.head('copy/dst.txt');
    expect(head.res.headers).toMatchObject({ 'content-type': 'text/plain', 'x-oss-meta-owner': 'alice' });
    expect(await text('copy/dst.txt')).toBe('source bytes');

    await client.delete('copy/src.txt');
    expect(await text('copy/dst.txt')).toBe('source bytes');
    expect((await blobFiles()).length).toBe(filesBefore);
    await client.delete('copy/dst.txt');
    expect((await blobFiles()).length).toBe(filesBefore - 1);
  });

  it('copies a multipart object and from another bucket', async () => {
    const big = Buffer.concat([bytes(100 * 1024, 3), bytes(5, 4)]);
    await client.multipartUpload('copy/multi.bin', big, { partSize: 100 * 1024 });
    await client.copy('copy/multi-copy.bin', 'copy/multi.bin');
    expect(Buffer.compare((await client.get('copy/multi-copy.bin')).content as Buffer, big)).toBe(0);
    const other = harness.client({ bucket: SECOND_BUCKET }) as Client;
    await other.copy('from-first.bin', 'copy/multi.bin', BUCKET);
    expect(Buffer.compare((await other.get('from-first.bin')).content as Buffer, big)).toBe(0);
    await client.delete('copy/multi.bin');
    expect(Buffer.compare((await other.get('from-first.bin')).content as Buffer, big)).toBe(0);
  });

  it('REPLACE takes the metadata from the request, also onto the object itself', async () => {
    await client.put('copy/self.txt', Buffer.from('keep me'), { headers: { 'Content-Type': 'text/plain', 'x-oss-meta-a': '1' } });
    await client.copy('copy/self.txt', 'copy/self.txt', { headers: { 'Content-Type': 'application/json' }, meta: { b: '2' } } as never);
    const head = await client.head('copy/self.txt');
    expect(head.res.headers).toMatchObject({ 'content-type': 'application/json', 'x-oss-meta-b': '2' });
    expect(head.res.headers).not.toHaveProperty('x-oss-meta-a');
    expect(await text('copy/self.txt')).toBe('keep me');
  });

  it('copy-source conditions: 412 for if-match / if-unmodified-since, 304 for if-none-match / if-modified-since', async () => {
    await client.put('copy/cond.txt', Buffer.from('c'));
    const etag = (await client.head('copy/cond.txt')).res.headers['etag' as never] as string;
    const past = new Date(Date.now() - 3_600_000).toUTCString();
    const future = new Date(Date.now() + 3_600_000).toUTCString();
    expect(await failureOf(client.copy('copy/cond-1', 'copy/cond.txt', { headers: { 'If-Match': '"0000"' } } as never))).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    expect(await failureOf(client.copy('copy/cond-1', 'copy/cond.txt', { headers: { 'If-Unmodified-Since': past } } as never))).toMatchObject({ status: 412 });
    expect((await client.copy('copy/cond-1', 'copy/cond.txt', { headers: { 'If-None-Match': etag } } as never)).res.status).toBe(304);
    expect((await client.copy('copy/cond-1', 'copy/cond.txt', { headers: { 'If-Modified-Since': future } } as never)).res.status).toBe(304);
    expect(await failureOf(client.head('copy/cond-1'))).toMatchObject({ status: 404 });
    expect((await client.copy('copy/cond-1', 'copy/cond.txt', { headers: { 'If-Match': etag, 'If-Modified-Since': past } } as never)).res.status).toBe(200);
  });

  it('a missing source is 404 NoSuchKey; x-oss-forbid-overwrite onto an existing target is 409', async () => {
    expect(await failureOf(client.copy('copy/x', 'copy/missing'))).toMatchObject({ status: 404, code: 'NoSuchKey' });
    await client.put('copy/a', Buffer.from('a'));
    await client.put('copy/b', Buffer.from('b'));
    expect(await failureOf(client.copy('copy/b', 'copy/a', { headers: { 'x-oss-forbid-overwrite': 'true' } } as never))).toMatchObject({
      status: 409,
      code: 'FileAlreadyExists',
    });
    expect(await text('copy/b')).toBe('b');
  });

  it('needs oss:GetObject on the source', async () => {
    await client.put('copy/secret', Buffer.from('secret'));
    const putOnly = await stsClient([{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${BUCKET}/copy/*`] }]);
    expect(await failureOf(putOnly.copy('copy/stolen', 'copy/secret'))).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await failureOf(client.head('copy/stolen'))).toMatchObject({ status: 404 });
    const both = await stsClient([{ Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: [`acs:oss:*:*:${BUCKET}/copy/*`] }]);
    await both.copy('copy/allowed', 'copy/secret');
    expect(await text('copy/allowed')).toBe('secret');
  });
});

describe('DeleteMultipleObjects', () => {
  it('verbose lists every key, existing or not; quiet lists none', async () => {
    await client.put('multi/a', Buffer.from('a'));
    await client.put('multi/b c&\'<', Buffer.from('b'));
    const verbose = await client.deleteMulti(['multi/a', 'multi/b c&\'<', 'multi/missing']);
    // ali-oss's typings say strings; it returns the parsed <Deleted> elements.
    expect((verbose.deleted as unknown as Array<{ Key: string }>).map(({ Key }) => ({ Key }))).toEqual([{ Key: 'multi/a' }, { Key: 'multi/b c&\'<' }, { Key: 'multi/missing' }]);
    expect(await failureOf(client.head('multi/a'))).toMatchObject({ status: 404 });
    expect(await failureOf(client.head('multi/b c&\'<'))).toMatchObject({ status: 404 });
    await client.put('multi/q', Buffer.from('q'));
    const quiet = await client.deleteMulti(['multi/q'], { quiet: true });
    expect(quiet.deleted).toEqual([]);
    expect(await failureOf(client.head('multi/q'))).toMatchObject({ status: 404 });
  });

  it('one key the session may not delete refuses the request (403), deleting nothing', async () => {
    await client.put('multi/mine/1', Buffer.from('1'));
    await client.put('multi/theirs/1', Buffer.from('1'));
    const session = await stsClient([{ Effect: 'Allow', Action: ['oss:DeleteObject'], Resource: [`acs:oss:*:*:${BUCKET}/multi/mine/*`] }]);
    expect(await failureOf(session.deleteMulti(['multi/mine/1', 'multi/theirs/1']))).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect((await client.head('multi/mine/1')).res.status).toBe(200);
    expect((await session.deleteMulti(['multi/mine/1'])).deleted).toEqual([{ Key: 'multi/mine/1' }]);
  });

  async function postDelete(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const signed = headers['Content-MD5'] === undefined ? {} : { 'Content-MD5': headers['Content-MD5'] };
    const url = client.signatureUrl('', { method: 'POST', subResource: { delete: '' }, ...signed } as never);
    const response = await fetch(url, { method: 'POST', body: Buffer.from(body), headers });
    return { status: response.status, text: await response.text() };
  }
  const md5 = (body: string): string => createHash('md5').update(body).digest('base64');

  it('requires Content-MD5 and refuses a wrong one', async () => {
    await client.put('multi/kept', Buffer.from('k'));
    const body = '<Delete><Object><Key>multi/kept</Key></Object></Delete>';
    expect(await postDelete(body)).toMatchObject({ status: 400 });
    expect((await postDelete(body, { 'Content-MD5': md5('other') })).text).toContain('<Code>InvalidDigest</Code>');
    expect((await client.head('multi/kept')).res.status).toBe(200);
  });

  it('refuses more than 1,000 keys and a DOCTYPE with MalformedXML', async () => {
    const many = `<Delete>${Array.from({ length: 1001 }, (_, i) => `<Object><Key>multi/k${i}</Key></Object>`).join('')}</Delete>`;
    expect((await postDelete(many, { 'Content-MD5': md5(many) })).text).toContain('<Code>MalformedXML</Code>');
    const hostile = '<!DOCTYPE d [<!ENTITY k "multi/kept">]><Delete><Object><Key>&k;</Key></Object></Delete>';
    const refused = await postDelete(hostile, { 'Content-MD5': md5(hostile) });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('<Code>MalformedXML</Code>');
    expect((await client.head('multi/kept')).res.status).toBe(200);
  });
});

describe('x-oss-forbid-overwrite', () => {
  it('Put, Initiate (multipartUpload) and Complete answer 409 FileAlreadyExists when the object exists', async () => {
    await client.put('forbid/x', Buffer.from('first'));
    const forbid = { headers: { 'x-oss-forbid-overwrite': 'true' } };
    expect(await failureOf(client.put('forbid/x', Buffer.from('second'), forbid))).toMatchObject({ status: 409, code: 'FileAlreadyExists' });
    expect(await failureOf(client.multipartUpload('forbid/x', Buffer.from('second'), forbid))).toMatchObject({ status: 409, code: 'FileAlreadyExists' });
    expect(await failureOf(client.initMultipartUpload('forbid/x', forbid))).toMatchObject({ status: 409 });
    // Initiated before the object existed: Complete checks again.
    const { uploadId } = await client.initMultipartUpload('forbid/y', forbid);
    const part = await client.uploadPart('forbid/y', uploadId, 1, Buffer.from('late') as never, 0, 4);
    await client.put('forbid/y', Buffer.from('first'));
    expect(await failureOf(client.completeMultipartUpload('forbid/y', uploadId, [{ number: 1, etag: part.etag }], forbid))).toMatchObject({ status: 409 });
    expect(await text('forbid/x')).toBe('first');
    expect(await text('forbid/y')).toBe('first');
  });
});

describe('object tagging', () => {
  it('put, get and delete tags; x-oss-tagging-count on GET and HEAD', async () => {
    await client.put('tags/a', Buffer.from('a'));
    expect((await client.getObjectTagging('tags/a')).tag).toEqual({});
    expect((await client.putObjectTagging('tags/a', { project: 'x y', 'k+:': 'v=1/2' })).status).toBe(200);
    expect((await client.getObjectTagging('tags/a')).tag).toEqual({ project: 'x y', 'k+:': 'v=1/2' });
    expect((await client.head('tags/a')).res.headers).toMatchObject({ 'x-oss-tagging-count': '2' });
    expect((await client.get('tags/a')).res.headers).toMatchObject({ 'x-oss-tagging-count': '2' });
    expect((await client.deleteObjectTagging('tags/a')).status).toBe(204);
    expect((await client.getObjectTagging('tags/a')).tag).toEqual({});
    expect((await client.head('tags/a')).res.headers).not.toHaveProperty('x-oss-tagging-count');
    expect(await failureOf(client.getObjectTagging('tags/missing'))).toMatchObject({ status: 404, code: 'NoSuchKey' });
  });

  it('x-oss-tagging on put and on multipart upload; kept or replaced by CopyObject', async () => {
    await client.put('tags/put', Buffer.from('p'), { headers: { 'x-oss-tagging': 'a=1&b=two%20words' } });
    expect((await client.getObjectTagging('tags/put')).tag).toEqual({ a: '1', b: 'two words' });
    await client.multipartUpload('tags/multi', Buffer.from('m'), { headers: { 'x-oss-tagging': 'm=1' } } as never);
    expect((await client.getObjectTagging('tags/multi')).tag).toEqual({ m: '1' });
    await client.copy('tags/copied', 'tags/put');
    expect((await client.getObjectTagging('tags/copied')).tag).toEqual({ a: '1', b: 'two words' });
    await client.copy('tags/replaced', 'tags/put', { headers: { 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 'c=3' } } as never);
    expect((await client.getObjectTagging('tags/replaced')).tag).toEqual({ c: '3' });
  });

  it('limits: 10 tags, key 128 and value 256 characters; a malformed header', async () => {
    await client.put('tags/limits', Buffer.from('l'));
    const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    expect(await failureOf(client.put('tags/limits', Buffer.from('l'), { headers: { 'x-oss-tagging': eleven } }))).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(await failureOf(client.put('tags/limits', Buffer.from('l'), { headers: { 'x-oss-tagging': 'a=%3Cscript%3E' } }))).toMatchObject({ status: 400 });
    expect(await failureOf(client.put('tags/limits', Buffer.from('l'), { headers: { 'x-oss-tagging': `${'k'.repeat(129)}=v` } }))).toMatchObject({ status: 400 });
    expect(await failureOf(client.put('tags/limits', Buffer.from('l'), { headers: { 'x-oss-tagging': `k=${'v'.repeat(257)}` } }))).toMatchObject({ status: 400 });
    expect(await failureOf(client.put('tags/limits', Buffer.from('l'), { headers: { 'x-oss-tagging': 'aa=bb=cc' } }))).toMatchObject({ status: 400 });
    await client.put('tags/limits', Buffer.from('l'), { headers: { 'x-oss-tagging': `${'k'.repeat(128)}=${'v'.repeat(256)}` } });
    expect(Object.keys((await client.getObjectTagging('tags/limits')).tag)).toEqual(['k'.repeat(128)]);
  });

  it('x-oss-tagging on PutObject needs oss:PutObjectTagging too', async () => {
    const putOnly = await stsClient([{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${BUCKET}/tags/*`] }]);
    expect(await failureOf(putOnly.put('tags/sts', Buffer.from('s'), { headers: { 'x-oss-tagging': 'a=1' } }))).toMatchObject({ status: 403 });
    await putOnly.put('tags/sts', Buffer.from('s'));
  });
});
