import type { TokenResponse } from '../../shared/token-response';

/** Where the browser sends OSS requests: the `TokenResponse` fields that are the same for every uploader. */
export type OssTarget = Pick<TokenResponse, 'region' | 'bucket' | 'endpoint' | 'secure' | 'cname' | 'sldEnable'>;

/** `cn-hangzhou` and `oss-cn-hangzhou` both name the region; ali-oss wants the `oss-` form. */
export function ossRegionId(region: string): string {
  return region.startsWith('oss-') ? region : `oss-${region}`;
}

/** Alibaba Cloud OSS: virtual-hosted style over https, on the public regional endpoint unless one is configured. */
export function cloudOssTarget({ region, bucket, endpoint }: { region: string; bucket: string; endpoint?: string }): OssTarget {
  const regionId = ossRegionId(region);
  return { region: regionId, bucket, endpoint: endpoint ?? `https://${regionId}.aliyuncs.com`, secure: true };
}

/**
 * The embedded local OSS server: path style (`/bucket/key`), because `bucket.localhost` resolves in
 * Chromium only and an IP endpoint cannot carry the bucket in the host.
 */
export function localOssTarget({ url, region, bucket }: { url: string; region: string; bucket: string }): OssTarget {
  return { region: ossRegionId(region), bucket, endpoint: url, secure: url.startsWith('https:'), sldEnable: true };
}
