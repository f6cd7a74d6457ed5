/**
 * What the engine's Chromium tests against the local OSS share: a local OSS + STS with a root key
 * of their own, the core harness page, an `assumeRole` the page calls for credentials, a root
 * client to read back what was stored, and the harness's deterministic file bytes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { startLocalOss, type LocalOss } from '../../../src/server/local-oss';
import type { TokenResponse } from '../../../src/shared/token-response';
import type { Patch } from '../core-harness/core-harness';
import { startHarnessServer, type HarnessServer } from '../../support/harness-server';
import { assumeLocalRole } from '../../support/local-sts';

export const BUCKET = 'uploads';
const ROOT_ID = 'LTAIcoreE2eRoot';
const ROOT_SECRET = 'coreE2eRootSecretValue';
const ROLE_ARN = 'acs:ram::1000000000000000:role/uploader';
const REGION = 'oss-cn-hangzhou';
const HARNESS = 'test/engine/core-harness/index.html';

export interface CoreE2eStackOptions {
  /** The prefix the page's credentials are scoped to. */
  prefix: string;
  /** STS session name, and the temporary directory's prefix. */
  name: string;
}

export interface CoreE2eStack {
  oss: LocalOss;
  harness: HarnessServer;
  /** Credentials for the page, as the token endpoint would issue them. */
  assumeRole(): Promise<TokenResponse>;
  /** A client with the root key, to read back and inspect what the page stored. */
  rootClient(): OSS;
  close(): Promise<void>;
}

export async function startCoreE2eStack({ prefix, name }: CoreE2eStackOptions): Promise<CoreE2eStack> {
  const tempDir = await mkdtemp(join(tmpdir(), `${name}-`));
  const oss = await startLocalOss({
    dataDir: join(tempDir, 'oss'),
    port: 0,
    rootAccessKeyId: ROOT_ID,
    rootAccessKeySecret: ROOT_SECRET,
    roleArn: ROLE_ARN,
    buckets: [BUCKET],
    region: REGION,
  });
  const harness = await startHarnessServer({ page: HARNESS, tempDir });
  return {
    oss,
    harness,
    assumeRole: () =>
      assumeLocalRole({
        stsUrl: oss.stsUrl,
        endpoint: oss.url,
        rootAccessKeyId: ROOT_ID,
        rootAccessKeySecret: ROOT_SECRET,
        roleArn: ROLE_ARN,
        region: REGION,
        bucket: BUCKET,
        prefix,
        sessionName: name,
      }),
    rootClient: () =>
      new OSS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, bucket: BUCKET, region: REGION, endpoint: oss.url, sldEnable: true } as OSS.Options),
    async close() {
      await harness.close();
      await oss.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/** Same bytes as the harness's `makeFile`, with the patch's bytes inverted. */
export function expectedBytes(size: number, seed: number, patch?: Patch): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.imul(i + seed, 2654435761) >>> 24;
  if (patch) for (let i = patch.offset; i < patch.offset + patch.length; i++) bytes[i] = ~(bytes[i] ?? 0) & 0xff;
  return bytes;
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
