import type OSS from 'ali-oss';
import type { LocalOss } from '../../../src/server/local-oss';
import type { TokenResponse } from '../../../src/shared/token-response';
import { rootOssClient, startOss, type LocalOssAccount } from '../../support/local-oss';
import { assumeLocalRole } from '../../support/local-sts';

const ROOT = { accessKeyId: 'LTAIbenchRootKey', accessKeySecret: 'benchRootSecretValue' };
const ROLE_ARN = 'acs:ram::1000000000000000:role/bench';
const BENCH_BUCKET = 'uploads';
const BENCH_REGION = 'oss-cn-hangzhou';
/** Every key the browser writes starts with this, as the token endpoint's per-user prefix would. */
export const BENCH_PREFIX = 'bench/';
const ACCOUNT: LocalOssAccount = { root: ROOT, roleArn: ROLE_ARN, bucket: BENCH_BUCKET, region: BENCH_REGION };

export interface OssStack {
  oss: LocalOss;
  /** Root-key client for set-up and clean-up (Node build of ali-oss, path style). */
  root: OSS;
  /** Fresh STS credentials in the token endpoint's response shape. */
  credentials(): Promise<TokenResponse>;
}

/** The embedded local OSS server, as the app runs it by default, with one bucket. */
export async function startOssStack(dataDir: string): Promise<OssStack> {
  const oss = await startOss(ACCOUNT, { dataDir });
  const root = rootOssClient(oss, ACCOUNT);
  return {
    oss,
    root,
    credentials: () =>
      assumeLocalRole({
        stsUrl: oss.stsUrl,
        endpoint: oss.url,
        rootAccessKeyId: ROOT.accessKeyId,
        rootAccessKeySecret: ROOT.accessKeySecret,
        roleArn: ROLE_ARN,
        region: BENCH_REGION,
        bucket: BENCH_BUCKET,
        prefix: BENCH_PREFIX,
        sessionName: 'bench',
      }),
  };
}

