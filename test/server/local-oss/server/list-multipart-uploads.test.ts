import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OSS from 'ali-oss';
import { compareUtf8 } from '../../../../src/server/local-oss/storage/bucket-store';
import { startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

interface ListedUploads {
  Upload?: { Key: string; UploadId: string } | Array<{ Key: string; UploadId: string }>;
  CommonPrefixes?: { Prefix: string } | Array<{ Prefix: string }>;
  NextKeyMarker?: string;
  NextUploadIdMarker?: string;
  IsTruncated: string;
}

/** ListMultipartUploads through ali-oss, with the CommonPrefixes that `listUploads` drops. */
async function listUploads(query: Record<string, string>): Promise<{ uploads: Array<[string, string]>; prefixes: string[]; data: ListedUploads }> {
  const client = harness.client() as unknown as {
    _objectRequestParams(method: string, name: string, options: object): Record<string, unknown>;
    request(params: object): Promise<{ data: ListedUploads }>;
  };
  const params = client._objectRequestParams('GET', '', { subres: 'uploads' });
  const { data } = await client.request({ ...params, query, xmlResponse: true, successStatuses: [200] });
  return {
    uploads: [data.Upload ?? []].flat().map((upload) => [upload.Key, upload.UploadId]),
    prefixes: [data.CommonPrefixes ?? []].flat().map((prefix) => prefix.Prefix),
    data,
  };
}

/**
 * Uploads of one key, initiated one simulated second apart until the initiation order differs from
 * the UploadId order (so a listing by initiation time cannot pass for one by UploadId).
 */
async function uploadsOutOfIdOrder(client: OSS, key: string): Promise<string[]> {
  const ids: string[] = [];
  const sorted = (): boolean => ids.every((id, i) => i === 0 || compareUtf8(ids[i - 1] ?? '', id) < 0);
  while (ids.length < 3 || sorted()) {
    harness.clock.offsetMs += 1000;
    ids.push((await client.initMultipartUpload(key)).uploadId);
  }
  return ids;
}

describe('ListMultipartUploads order and markers (as OSS documents them)', () => {
  it('lists the uploads of one key by UploadId, not by initiation time', async () => {
    const client = harness.client();
    const ids = await uploadsOutOfIdOrder(client, 'order/one-key');
    await client.initMultipartUpload('order/another');
    const { uploads } = await listUploads({ prefix: 'order/' });
    expect(uploads.map(([key]) => key)).toEqual(['order/another', ...ids.map(() => 'order/one-key')]);
    expect(uploads.slice(1).map(([, id]) => id)).toEqual([...ids].sort(compareUtf8));
  });

  it('upload-id-marker means "UploadId greater than the marker" within key-marker\'s key, even when no upload has that id', async () => {
    const client = harness.client();
    const ids = (await uploadsOutOfIdOrder(client, 'marker/k')).sort(compareUtf8);
    await client.initMultipartUpload('marker/z');
    const first = ids[0] ?? '';
    // Sorts after the first id and before the second; no upload has it.
    const between = `${first}0`;
    const { uploads } = await listUploads({ prefix: 'marker/', 'key-marker': 'marker/k', 'upload-id-marker': between });
    expect(uploads).toEqual([...ids.slice(1).map((id): [string, string] => ['marker/k', id]), ['marker/z', expect.any(String)]]);

    const afterLast = await listUploads({ prefix: 'marker/', 'key-marker': 'marker/k', 'upload-id-marker': ids.at(-1) ?? '' });
    expect(afterLast.uploads.map(([key]) => key)).toEqual(['marker/z']);
    // Without key-marker, upload-id-marker is ignored.
    const ignored = await listUploads({ prefix: 'marker/', 'upload-id-marker': ids.at(-1) ?? '' });
    expect(ignored.uploads).toHaveLength(ids.length + 1);
  });

  it('pages through one key\'s uploads with NextKeyMarker / NextUploadIdMarker', async () => {
    const client = harness.client();
    const ids = (await uploadsOutOfIdOrder(client, 'paging/k')).sort(compareUtf8);
    const seen: string[] = [];
    let markers: Record<string, string> = {};
    for (let page = 0; page < ids.length + 1; page++) {
      const { uploads, data } = await listUploads({ prefix: 'paging/', 'max-uploads': '1', ...markers });
      seen.push(...uploads.map(([, id]) => id));
      if (data.IsTruncated !== 'true') break;
      markers = { 'key-marker': data.NextKeyMarker ?? '', 'upload-id-marker': data.NextUploadIdMarker ?? '' };
    }
    expect(seen).toEqual(ids);
  });

  it('a key-marker naming a common prefix does not return that prefix again', async () => {
    const client = harness.client();
    for (const key of ['prefixes/a/1', 'prefixes/a/2', 'prefixes/b/1', 'prefixes/c']) await client.initMultipartUpload(key);
    const first = await listUploads({ prefix: 'prefixes/', delimiter: '/', 'max-uploads': '1' });
    expect(first).toMatchObject({ prefixes: ['prefixes/a/'], data: { IsTruncated: 'true', NextKeyMarker: 'prefixes/a/' } });
    const second = await listUploads({ prefix: 'prefixes/', delimiter: '/', 'key-marker': 'prefixes/a/', 'upload-id-marker': first.data.NextUploadIdMarker ?? '' });
    expect(second.prefixes).toEqual(['prefixes/b/']);
    expect(second.uploads.map(([key]) => key)).toEqual(['prefixes/c']);
  });
});
