/**
 * STS credentials from the local STS, in the token endpoint's response shape, for tests and
 * benchmarks that hand credentials to a page without going through the token endpoint.
 */
import OSS from 'ali-oss';
import type { TokenResponse } from '../../src/shared/token-response';

export interface LocalRoleOptions {
  /** `stsUrl` of the local OSS server. */
  stsUrl: string;
  /** OSS origin the page uploads to (`url` of the local OSS server, or a proxy in front of it). */
  endpoint: string;
  rootAccessKeyId: string;
  rootAccessKeySecret: string;
  roleArn: string;
  region: string;
  bucket: string;
  /** Key prefix reported to the engine (no session policy: the role's own policy applies). */
  prefix: string;
  sessionName: string;
}

export async function assumeLocalRole(o: LocalRoleOptions): Promise<TokenResponse> {
  // @types/ali-oss lacks `endpoint`; the STS class takes it as the full URL (lib/sts.js).
  const sts = new OSS.STS({ accessKeyId: o.rootAccessKeyId, accessKeySecret: o.rootAccessKeySecret, endpoint: o.stsUrl } as ConstructorParameters<
    typeof OSS.STS
  >[0]);
  const { credentials } = await sts.assumeRole(o.roleArn, undefined, 3600, o.sessionName);
  return {
    accessKeyId: credentials.AccessKeyId,
    accessKeySecret: credentials.AccessKeySecret,
    securityToken: credentials.SecurityToken,
    expiration: credentials.Expiration,
    region: o.region,
    bucket: o.bucket,
    endpoint: o.endpoint,
    secure: false,
    sldEnable: true,
    prefix: o.prefix,
  };
}
