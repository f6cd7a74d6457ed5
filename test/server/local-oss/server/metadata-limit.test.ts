import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

const LIMIT = 8 * 1024;
/** One `x-oss-meta-a` header whose name and value make `total` bytes. */
const metaOfSize = (total: number): Record<string, string> => ({ a: 'v'.repeat(total - 'x-oss-meta-a'.length) });

describe('user metadata size (at most 8 KB of x-oss-meta-* names and values, as OSS)', () => {
  it('accepts exactly 8 KB on Initiate and PutObject, and gives it back', async () => {
    const client = harness.client();
    const meta = metaOfSize(LIMIT);
    const { uploadId } = await client.initMultipartUpload('meta/initiate-at-limit.bin', { meta } as never);
    expect(uploadId).toMatch(/^[0-9A-F]{32}$/);
    await client.put('meta/put-at-limit.bin', Buffer.from('body'), { meta } as never);
    expect((await client.head('meta/put-at-limit.bin')).meta).toEqual(meta);
    await client.abortMultipartUpload('meta/initiate-at-limit.bin', uploadId);
  });

  it('refuses one byte more on Initiate with 400 InvalidArgument and EC 0011-00000002, and starts no upload', async () => {
    const client = harness.client();
    const failure = await failureOf(client.initMultipartUpload('meta/too-large.bin', { meta: metaOfSize(LIMIT + 1) } as never));
    expect(failure).toMatchObject({ status: 400, code: 'InvalidArgument', ecCode: '0011-00000002' });
    const listed = (await client.listUploads({ prefix: 'meta/too-large' })) as unknown as { uploads: unknown[] };
    expect(listed.uploads).toEqual([]);
  });

  it('counts every x-oss-meta-* header together', async () => {
    const client = harness.client();
    const meta = { one: 'a'.repeat(3000), two: 'b'.repeat(3000), three: 'c'.repeat(3000) };
    expect(await failureOf(client.initMultipartUpload('meta/many.bin', { meta } as never))).toMatchObject({ status: 400, code: 'InvalidArgument' });
  });

  it('refuses PutObject before storing anything', async () => {
    const client = harness.client();
    const failure = await failureOf(client.put('meta/put-too-large.bin', Buffer.alloc(200_000, 1), { meta: metaOfSize(LIMIT + 1) } as never));
    expect(failure).toMatchObject({ status: 400, code: 'InvalidArgument' });
    expect(await failureOf(client.head('meta/put-too-large.bin'))).toMatchObject({ status: 404 });
    await expect.poll(() => readdir(join(harness.dataDir, 'tmp'))).toEqual([]);
  });
});
