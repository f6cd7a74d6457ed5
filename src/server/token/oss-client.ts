import type OSS from 'ali-oss';
import type { StsCredentials } from './assume-role';
import type { OssTarget } from './oss-target';

/**
 * An ali-oss (Node build) client for `target` signed with temporary `credentials` that serve a
 * few requests and are dropped. The caller passes the loaded constructor, so ali-oss is imported on
 * first use rather than when the server starts.
 */
export function stsOssClient(AliOss: typeof OSS, target: OssTarget, credentials: StsCredentials, timeoutMs: number): OSS {
  return new AliOss({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    stsToken: credentials.securityToken,
    // The credentials are not renewed; without a refresher ali-oss warns on the console for each request.
    refreshSTSToken: async () => ({ accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret, stsToken: credentials.securityToken }),
    bucket: target.bucket,
    region: target.region,
    endpoint: target.endpoint,
    secure: target.secure,
    timeout: timeoutMs,
    ...(target.cname !== undefined ? { cname: target.cname } : {}),
    ...(target.sldEnable !== undefined ? { sldEnable: target.sldEnable } : {}),
  } as OSS.Options);
}

/** `HEAD failed: AccessDenied (403)`: what failed and how, without the key or any secret. */
export function ossFailureMessage(what: string, error: unknown): string {
  const { code, status } = error as { code?: string; status?: number };
  return `${what} failed: ${code ?? 'network error'}${status ? ` (${status})` : ''}`;
}
