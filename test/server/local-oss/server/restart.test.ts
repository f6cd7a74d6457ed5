import { readdir } from 'node:fs/promises';
import OSS from 'ali-oss';
import { afterEach, describe, expect, it } from 'vitest';
import { BUCKET, REGION, ROLE_ARN, ROOT_ID, ROOT_SECRET, bytes, listParts, startHarness, type Harness } from './harness';

const harnesses: Harness[] = [];

afterEach(async () => {
  for (const harness of harnesses.splice(0).reverse()) await harness.dispose();
});

describe('restart', () => {
  it('keeps objects, unfinished uploads and issued credentials across a restart on the same data directory', async () => {
    const first = await startHarness();
    const client = first.client();
    await client.put('kept/object.txt', Buffer.from('survives'));
    const { uploadId } = await client.initMultipartUpload('kept/upload.bin');
    const part = await client.uploadPart('kept/upload.bin', uploadId, 1, bytes(100 * 1024), 0, 100 * 1024);
    const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, endpoint: first.oss.stsUrl } as never);
    const { credentials } = await sts.assumeRole(ROLE_ARN, undefined, 900, 'before-restart');
    await first.stop();

    const second = await startHarness({}, first.dataDir);
    harnesses.push(second);
    const again = second.client();
    expect((await again.get('kept/object.txt')).content.toString()).toBe('survives');
    const stsClient = new OSS({
      accessKeyId: credentials.AccessKeyId,
      accessKeySecret: credentials.AccessKeySecret,
      stsToken: credentials.SecurityToken,
      bucket: BUCKET,
      region: REGION,
      endpoint: second.oss.url,
      sldEnable: true,
    } as OSS.Options);
    expect((await stsClient.get('kept/object.txt')).content.toString()).toBe('survives');
    expect((await listParts(again, 'kept/upload.bin', uploadId)).parts).toMatchObject([{ PartNumber: '1', ETag: part.etag }]);
    await again.uploadPart('kept/upload.bin', uploadId, 2, Buffer.from('tail'), 0, 4);
    const { parts } = await listParts(again, 'kept/upload.bin', uploadId);
    await again.completeMultipartUpload('kept/upload.bin', uploadId, parts.map((listed) => ({ number: Number(listed.PartNumber), etag: listed.ETag })));
    expect((await again.head('kept/upload.bin')).res.headers).toMatchObject({ 'content-length': String(100 * 1024 + 4) });
    expect(await readdir(`${first.dataDir}/tmp`)).toEqual([]);
  });
});
