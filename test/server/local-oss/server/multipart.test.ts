import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc64 } from 'hash-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, failureOf, listParts, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

const PART = 100 * 1024;
const crcDecimal = async (body: Buffer): Promise<string> => BigInt(`0x${await crc64(body)}`).toString();

async function uploadParts(key: string, parts: Buffer[], authorizationV4 = false): Promise<{ uploadId: string; etags: string[] }> {
  const client = harness.client({ authorizationV4 });
  const { uploadId } = await client.initMultipartUpload(key, { mime: 'video/mp4' });
  const etags: string[] = [];
  for (const [index, part] of parts.entries()) {
    const result = await client.uploadPart(key, uploadId, index + 1, part, 0, part.length);
    etags.push(result.etag);
  }
  return { uploadId, etags };
}

describe.each([
  ['V1', false],
  ['V4', true],
])('multipart upload through ali-oss (%s)', (mode, authorizationV4) => {
  it('assembles the parts without copying: multipart ETag, combined CRC-64, Range across parts', async () => {
    const parts = [bytes(PART, 11), bytes(PART + 17, 12), bytes(999, 13)];
    const whole = Buffer.concat(parts);
    const key = `multipart/${mode}/video.mp4`;
    const { uploadId, etags } = await uploadParts(key, parts, authorizationV4);
    expect(etags[0]).toBe(`"${createHash('md5').update(parts[0]!).digest('hex').toUpperCase()}"`);

    const client = harness.client({ authorizationV4 });
    const done = await client.completeMultipartUpload(key, uploadId, etags.map((etag, index) => ({ number: index + 1, etag })));
    const md5s = Buffer.concat(parts.map((part) => createHash('md5').update(part).digest()));
    const expectedEtag = `"${createHash('md5').update(md5s).digest('hex').toUpperCase()}-3"`;
    expect(done.res.status).toBe(200);
    expect(done.res.headers).toMatchObject({ etag: expectedEtag, 'x-oss-hash-crc64ecma': await crcDecimal(whole) });
    expect(done.etag).toBe(expectedEtag);

    const head = await client.head(key);
    expect(head.res.headers).toMatchObject({ 'content-length': String(whole.length), 'x-oss-object-type': 'Multipart', 'content-type': 'video/mp4', 'x-oss-hash-crc64ecma': await crcDecimal(whole) });
    expect(Buffer.compare((await client.get(key)).content as Buffer, whole)).toBe(0);
    const across = await client.get(key, { headers: { Range: `bytes=${PART - 5}-${2 * PART + 20}` } });
    expect(Buffer.compare(across.content as Buffer, whole.subarray(PART - 5, 2 * PART + 21))).toBe(0);
    expect(await failureOf(listParts(client, key, uploadId))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
  });

  it('runs ali-oss multipartUpload (parallel parts) end to end', async () => {
    const body = bytes(5 * PART + 3, 21);
    const client = harness.client({ authorizationV4 });
    const key = `multipart/${mode}/managed.bin`;
    await client.multipartUpload(key, body, { partSize: PART, parallel: 4 });
    expect(Buffer.compare((await client.get(key)).content as Buffer, body)).toBe(0);
  });
});

describe('CompleteMultipartUpload errors', () => {
  it('rejects a wrong ETag with InvalidPart', async () => {
    const { uploadId, etags } = await uploadParts('complete/bad-etag', [bytes(PART), bytes(10)]);
    const error = await failureOf(harness.client().completeMultipartUpload('complete/bad-etag', uploadId, [{ number: 1, etag: etags[0]! }, { number: 2, etag: '"00000000000000000000000000000000"' }]));
    expect(error).toMatchObject({ code: 'InvalidPart', status: 400 });
  });

  it('rejects a part number that was never uploaded with InvalidPart', async () => {
    const { uploadId, etags } = await uploadParts('complete/missing', [bytes(PART)]);
    const error = await failureOf(harness.client().completeMultipartUpload('complete/missing', uploadId, [{ number: 1, etag: etags[0]! }, { number: 7, etag: etags[0]! }]));
    expect(error).toMatchObject({ code: 'InvalidPart' });
  });

  it('rejects parts out of order with InvalidPartOrder', async () => {
    const { uploadId, etags } = await uploadParts('complete/order', [bytes(PART), bytes(PART, 2)]);
    // ali-oss sorts parts itself, so send the XML by hand through a presigned URL.
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${etags[1]}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${etags[0]}</ETag></Part></CompleteMultipartUpload>`;
    const response = await postComplete('complete/order', uploadId, xml);
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>InvalidPartOrder</Code>');
  });

  it('rejects a non-last part under 100 KiB with EntityTooSmall, and the upload stays open', async () => {
    const { uploadId, etags } = await uploadParts('complete/small', [bytes(PART - 1), bytes(PART)]);
    const client = harness.client();
    const error = await failureOf(client.completeMultipartUpload('complete/small', uploadId, etags.map((etag, index) => ({ number: index + 1, etag }))));
    expect(error).toMatchObject({ code: 'EntityTooSmall', status: 400 });
    expect((await listParts(client, 'complete/small', uploadId)).parts).toHaveLength(2);
  });

  it('rejects a malformed body with MalformedXML', async () => {
    const { uploadId } = await uploadParts('complete/malformed', [bytes(10)]);
    for (const xml of ['<CompleteMultipartUpload><Part>', '', '<CompleteMultipartUpload></CompleteMultipartUpload>', '<Other/>']) {
      const response = await postComplete('complete/malformed', uploadId, xml);
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>MalformedXML</Code>');
    }
  });

  it('completes with every uploaded part when x-oss-complete-all is yes', async () => {
    const parts = [bytes(PART, 5), bytes(7, 6)];
    const { uploadId } = await uploadParts('complete/all', parts);
    const response = await postComplete('complete/all', uploadId, '', { 'x-oss-complete-all': 'yes' });
    expect(response.status).toBe(200);
    expect(Buffer.compare((await harness.client().get('complete/all')).content as Buffer, Buffer.concat(parts))).toBe(0);
  });

  it('answers an unknown upload id with NoSuchUpload', async () => {
    const error = await failureOf(harness.client().completeMultipartUpload('complete/none', 'F'.repeat(32), [{ number: 1, etag: '"X"' }]));
    expect(error).toMatchObject({ code: 'NoSuchUpload', status: 404 });
  });
});

describe('UploadPart', () => {
  it('rejects part numbers outside 1..10000 with InvalidArgument', async () => {
    const client = harness.client();
    const { uploadId } = await client.initMultipartUpload('parts/numbers');
    for (const partNumber of [0, 10001]) {
      expect(await failureOf(client.uploadPart('parts/numbers', uploadId, partNumber, Buffer.from('x'), 0, 1))).toMatchObject({ code: 'InvalidArgument', status: 400 });
    }
  });

  it('replaces a part uploaded twice with the same number', async () => {
    const client = harness.client();
    const { uploadId } = await client.initMultipartUpload('parts/again');
    await client.uploadPart('parts/again', uploadId, 1, Buffer.from('first'), 0, 5);
    const second = await client.uploadPart('parts/again', uploadId, 1, Buffer.from('second!'), 0, 7);
    const listed = await listParts(client, 'parts/again', uploadId);
    expect(listed.parts).toMatchObject([{ PartNumber: '1', Size: '7', ETag: second.etag }]);
  });

  it('rejects a part for an unknown upload with NoSuchUpload', async () => {
    expect(await failureOf(harness.client().uploadPart('parts/none', 'A'.repeat(32), 1, Buffer.from('x'), 0, 1))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
  });

  it('keeps all parts sent in parallel, and a part racing Complete either lands before it or is refused', async () => {
    const client = harness.client();
    const key = 'parts/parallel';
    const { uploadId } = await client.initMultipartUpload(key);
    const parts = Array.from({ length: 8 }, (_, index) => bytes(PART, 100 + index));
    const results = await Promise.all(parts.map((part, index) => client.uploadPart(key, uploadId, index + 1, part, 0, part.length)));
    const listed = await listParts(client, key, uploadId);
    expect(listed.parts.map((part) => Number(part.PartNumber))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const late = client.uploadPart(key, uploadId, 9, bytes(PART, 200), 0, PART).then(
      () => 'stored',
      (error: { code?: string }) => error.code,
    );
    await client.completeMultipartUpload(key, uploadId, results.map((result, index) => ({ number: index + 1, etag: result.etag })));
    expect(['stored', 'NoSuchUpload']).toContain(await late);
    expect(Buffer.compare((await client.get(key)).content as Buffer, Buffer.concat(parts))).toBe(0);
  });

  it('keeps nothing of a part whose client disconnects halfway', async () => {
    const client = harness.client();
    const key = 'parts/disconnect';
    const { uploadId } = await client.initMultipartUpload(key);
    const url = await client.signatureUrl(key, { method: 'PUT', subResource: { partNumber: 1, uploadId } });
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PUT', headers: { 'Content-Length': String(2 * PART) } });
      req.on('error', () => resolve());
      req.write(bytes(PART), () => {
        // Half the declared body is on its way; vanish.
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50);
      });
    });
    expect((await listParts(client, key, uploadId)).parts).toHaveLength(0);
    await expect.poll(async () => readdir(join(harness.dataDir, 'tmp')), { timeout: 10_000 }).toEqual([]);
  });
});

describe('ListParts and ListMultipartUploads', () => {
  it('pages parts with max-parts and part-number-marker', async () => {
    const key = 'lists/paged-parts';
    const { uploadId } = await uploadParts(key, [bytes(10, 1), bytes(10, 2), bytes(10, 3)]);
    const client = harness.client();
    const first = await listParts(client, key, uploadId, { 'max-parts': '2' });
    expect(first).toMatchObject({ isTruncated: 'true', nextPartNumberMarker: '2' });
    expect(first.parts.map((part) => part.PartNumber)).toEqual(['1', '2']);
    const second = await listParts(client, key, uploadId, { 'max-parts': '2', 'part-number-marker': '2' });
    expect(second).toMatchObject({ isTruncated: 'false', parts: [{ PartNumber: '3', Size: '10', HashCrc64ecma: await crcDecimal(bytes(10, 3)) }] });
  });

  it('lists unfinished uploads with a prefix and pages through them', async () => {
    const client = harness.client();
    const ids: string[] = [];
    for (const key of ['uploads-list/a', 'uploads-list/b', 'uploads-list/b', 'uploads-list/c']) ids.push((await client.initMultipartUpload(key)).uploadId);
    const first = await client.listUploads({ prefix: 'uploads-list/', 'max-uploads': 2 }, {});
    expect(first.isTruncated).toBe(true);
    expect(first.uploads.map((upload) => upload.name)).toEqual(['uploads-list/a', 'uploads-list/b']);
    const second = await client.listUploads({ prefix: 'uploads-list/', 'max-uploads': 10, 'key-marker': first.nextKeyMarker, 'upload-id-marker': first.nextUploadIdMarker }, {});
    expect(second.isTruncated).toBe(false);
    expect(second.uploads.map((upload) => upload.name)).toEqual(['uploads-list/b', 'uploads-list/c']);
    expect(new Set([...first.uploads, ...second.uploads].map((upload) => upload.uploadId))).toEqual(new Set(ids));
  });

  it('aborts an upload with 204; afterwards it is gone', async () => {
    const client = harness.client();
    const { uploadId } = await uploadParts('lists/abort', [bytes(10)]);
    const aborted = (await client.abortMultipartUpload('lists/abort', uploadId)) as unknown as { res: { status: number } };
    expect(aborted.res.status).toBe(204);
    expect(await failureOf(listParts(client, 'lists/abort', uploadId))).toMatchObject({ code: 'NoSuchUpload' });
    expect(await failureOf(client.abortMultipartUpload('lists/abort', uploadId))).toMatchObject({ code: 'NoSuchUpload' });
  });
});

async function postComplete(key: string, uploadId: string, xml: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = await harness.client().signatureUrl(key, { method: 'POST', subResource: { uploadId }, ...Object.fromEntries(Object.entries(headers)) } as never);
  // A byte body: fetch adds no Content-Type, which matches what was signed.
  const response = await fetch(url, { method: 'POST', body: Buffer.from(xml), headers });
  return { status: response.status, body: await response.text() };
}
