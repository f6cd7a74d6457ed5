import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, startHarness, type Harness } from './harness';

let harness: Harness;
const KEYS = ['docs/a.txt', 'docs/b.txt', 'docs/sub/c.txt', 'docs/sub/d.txt', 'docs/z.txt', 'other/e.txt', 'top.txt'];

beforeAll(async () => {
  harness = await startHarness();
  const client = harness.client();
  for (const key of KEYS) await client.put(key, Buffer.from(key));
});

afterAll(async () => {
  await harness.dispose();
});

describe('ListObjects (v1)', () => {
  it('pages with max-keys and marker, always with <Owner>', async () => {
    const client = harness.client();
    const names: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await client.list({ 'max-keys': 3, ...(marker ? { marker } : {}) }, {});
      names.push(...result.objects.map((object) => object.name));
      expect(result.objects.every((object) => object.owner?.id)).toBe(true);
      if (!result.isTruncated) break;
      marker = result.nextMarker;
    }
    expect(names).toEqual(KEYS);
  });

  it('rolls keys under a delimiter into prefixes', async () => {
    const result = await harness.client().list({ prefix: 'docs/', delimiter: '/', 'max-keys': 100 }, {});
    expect(result.objects.map((object) => object.name)).toEqual(['docs/a.txt', 'docs/b.txt', 'docs/z.txt']);
    expect(result.prefixes).toEqual(['docs/sub/']);
    expect(result.isTruncated).toBe(false);
  });

  it('rejects max-keys above 1000 with InvalidArgument', async () => {
    expect(await failureOf(harness.client().list({ 'max-keys': 1001 }, {}))).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });
});

describe('ListObjectsV2', () => {
  it('pages with continuation tokens and counts prefixes toward max-keys', async () => {
    const client = harness.client();
    const first = await client.listV2({ delimiter: '/', 'max-keys': '2' }, {});
    expect(first.prefixes).toEqual(['docs/', 'other/']);
    expect(first.objects).toEqual([]);
    expect(first.keyCount).toBe(2);
    expect(first.isTruncated).toBe(true);
    const second = await client.listV2({ delimiter: '/', 'max-keys': '2', 'continuation-token': first.nextContinuationToken! }, {});
    expect(second.objects.map((object) => object.name)).toEqual(['top.txt']);
    expect(second.isTruncated).toBe(false);
  });

  it('starts after start-after and shows owners only with fetch-owner', async () => {
    const client = harness.client();
    const plain = await client.listV2({ prefix: 'docs/', 'start-after': 'docs/sub/c.txt', 'max-keys': '10' }, {});
    expect(plain.objects.map((object) => object.name)).toEqual(['docs/sub/d.txt', 'docs/z.txt']);
    expect(plain.objects[0]?.owner ?? null).toBeNull();
    const owned = await client.listV2({ prefix: 'docs/', 'fetch-owner': true, 'max-keys': '1' }, {});
    expect(owned.objects[0]?.owner?.id).toBeTruthy();
  });
});
