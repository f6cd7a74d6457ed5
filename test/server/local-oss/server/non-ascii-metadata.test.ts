import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OSS from 'ali-oss';
import { bytes, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

const CHINESE = '阿达的大多';
/** What Node (and ali-oss's own tests against OSS) see for a header that carried UTF-8 bytes. */
const asReceived = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const meta = (value: Record<string, string>): OSS.UserMeta => value as unknown as OSS.UserMeta;

describe.each([
  ['V1', false],
  ['V4', true],
])('non-ASCII metadata through ali-oss with headerEncoding latin1 (%s)', (mode, authorizationV4) => {
  it('put: accepted, and read back byte for byte', async () => {
    const client = harness.client({ authorizationV4, headerEncoding: 'latin1' } as Partial<OSS.Options>);
    const key = `non-ascii/${mode}/put.txt`;
    const put = await client.put(key, Buffer.from('123'), { meta: meta({ a: CHINESE }) });
    expect(put.res.status).toBe(200);
    const head = await client.head(key);
    expect((head.meta as Record<string, string>).a).toBe(asReceived(CHINESE));
    expect(Buffer.from((head.meta as Record<string, string>).a ?? '', 'latin1').toString('utf8')).toBe(CHINESE);
    const got = await client.get(key);
    expect((got.res.headers as Record<string, string>)['x-oss-meta-a']).toBe(asReceived(CHINESE));
  });

  it('multipart upload: the metadata given at initiation is the object metadata', async () => {
    const client = harness.client({ authorizationV4, headerEncoding: 'latin1' } as Partial<OSS.Options>);
    const key = `non-ascii/${mode}/multipart.bin`;
    const { uploadId } = await client.initMultipartUpload(key, { meta: meta({ a: CHINESE }) } as never);
    const part = await client.uploadPart(key, uploadId, 1, bytes(10) as never, 0, 10);
    await client.completeMultipartUpload(key, uploadId, [{ number: 1, etag: part.etag }]);
    const head = await client.head(key);
    expect(Buffer.from((head.meta as Record<string, string>).a ?? '', 'latin1').toString('utf8')).toBe(CHINESE);
  });
});

/** A PUT through node:http, which sends a latin1 header string as its bytes (here: UTF-8 bytes). */
function rawPut(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('presigned PUT URLs that sign non-ASCII metadata', () => {
  it('V1 signatureUrl', async () => {
    const key = 'non-ascii/presigned-v1.txt';
    const url = harness.client().signatureUrl(key, { method: 'PUT', 'x-oss-meta-a': CHINESE } as OSS.SignatureUrlOptions);
    const put = await rawPut(url, { 'x-oss-meta-a': asReceived(CHINESE) }, Buffer.from('v1'));
    expect(put).toMatchObject({ status: 200 });
    const head = await harness.client().head(key);
    expect((head.meta as Record<string, string>).a).toBe(asReceived(CHINESE));
  });

  it('V4 signatureUrlV4', async () => {
    const key = 'non-ascii/presigned-v4.txt';
    const url = await harness.client().signatureUrlV4('PUT', 600, { headers: { 'x-oss-meta-a': CHINESE } }, key);
    const put = await rawPut(url, { 'x-oss-meta-a': asReceived(CHINESE) }, Buffer.from('v4'));
    expect(put).toMatchObject({ status: 200 });
    const head = await harness.client().head(key);
    expect((head.meta as Record<string, string>).a).toBe(asReceived(CHINESE));
  });
});
