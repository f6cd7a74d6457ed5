import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

const PART = 100 * 1024;

async function openUpload(key: string): Promise<{ uploadId: string; etags: string[] }> {
  const client = harness.client();
  const { uploadId } = await client.initMultipartUpload(key);
  const etags: string[] = [];
  for (const [index, part] of [bytes(PART, 1), bytes(10, 2)].entries()) etags.push((await client.uploadPart(key, uploadId, index + 1, part, 0, part.length)).etag);
  return { uploadId, etags };
}

async function postComplete(key: string, uploadId: string, body: string | Buffer): Promise<{ status: number; body: string; requestId: string | null }> {
  const url = harness.client().signatureUrl(key, { method: 'POST', subResource: { uploadId } } as never);
  // A byte body: fetch adds no Content-Type, which matches what was signed.
  const response = await fetch(url, { method: 'POST', body: Buffer.from(body) });
  return { status: response.status, body: await response.text(), requestId: response.headers.get('x-oss-request-id') };
}

const partsXml = (etags: string[]): string => etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('');

const HOSTILE: Array<[string, (etags: string[]) => string]> = [
  ['an external entity (XXE)', (etags) => `<?xml version="1.0"?>\n<!DOCTYPE CompleteMultipartUpload [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<CompleteMultipartUpload>${partsXml(etags).replace('</ETag>', '&xxe;</ETag>')}</CompleteMultipartUpload>`],
  ['an internal entity', (etags) => `<!DOCTYPE CompleteMultipartUpload [<!ENTITY etag "${etags[0]}">]><CompleteMultipartUpload>${partsXml(['&etag;', ...etags.slice(1)])}</CompleteMultipartUpload>`],
  ['entity expansion (billion laughs)', (etags) => `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><CompleteMultipartUpload>${partsXml(etags)}<X>&c;</X></CompleteMultipartUpload>`],
  ['a bare DOCTYPE', (etags) => `<!DOCTYPE CompleteMultipartUpload><CompleteMultipartUpload>${partsXml(etags)}</CompleteMultipartUpload>`],
  // 1.4 MB, well-formed, and within the 2 MiB body limit.
  ['200,000 nested tags', () => `<CompleteMultipartUpload>${'<P>'.repeat(200_000)}${'</P>'.repeat(200_000)}</CompleteMultipartUpload>`],
  ['200,000 unclosed nested tags', () => `<CompleteMultipartUpload>${'<a>'.repeat(200_000)}`],
];

describe('CompleteMultipartUpload with a hostile XML body', () => {
  it.each(HOSTILE)('answers %s with 400 MalformedXML and a request id; the upload stays usable', async (name, hostile) => {
    const key = `hostile/${name.replace(/\W+/g, '-')}`;
    const { uploadId, etags } = await openUpload(key);
    const started = Date.now();
    const refused = await postComplete(key, uploadId, hostile(etags));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<Code>MalformedXML</Code>');
    expect(refused.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(refused.body).toContain(`<RequestId>${refused.requestId}</RequestId>`);

    const completed = await postComplete(key, uploadId, `<CompleteMultipartUpload>${partsXml(etags)}</CompleteMultipartUpload>`);
    expect(completed.status).toBe(200);
    expect(Buffer.compare((await harness.client().get(key)).content as Buffer, Buffer.concat([bytes(PART, 1), bytes(10, 2)]))).toBe(0);
  });

  it('still refuses a body over the size limit with MalformedXML', async () => {
    const { uploadId, etags } = await openUpload('hostile/huge');
    const huge = `<CompleteMultipartUpload>${partsXml(etags)}${' '.repeat(2 * 1024 * 1024)}</CompleteMultipartUpload>`;
    const refused = await postComplete('hostile/huge', uploadId, huge);
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<Code>MalformedXML</Code>');
  });
});
