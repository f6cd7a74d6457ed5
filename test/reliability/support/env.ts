/**
 * The world of a reliability test: the local OSS server (with a movable clock and a switchable full
 * disk) behind the fault proxy, the harness page served by Vite, and credentials from the local STS
 * whose endpoint is the proxy, so every OSS request of the page can be hurt on purpose.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startLocalOss, type LocalOss, type LocalOssOptions } from '../../../src/server/local-oss';
import { issueStsCredentials } from '../../../src/server/local-oss/sts/token';
import type { TokenResponse } from '../../../src/shared/token-response';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { startHarnessServer } from '../../support/harness-server';

export const MiB = 1024 * 1024;
export const ROOT_ID = 'LTAIreliabilityRoot';
export const ROOT_SECRET = 'reliabilityRootSecretValue';
export const ROLE_ARN = 'acs:ram::1000000000000000:role/uploader';
export const BUCKET = 'uploads';
export const REGION = 'oss-cn-hangzhou';
export const PREFIX = 'rel/';
const HARNESS = 'test/reliability/page/index.html';

/** Credentials the test hands to the page instead of a fresh AssumeRole (one call each). */
export type CredentialsOverride = () => Promise<TokenResponse>;

export interface ReliabilityEnv {
  tempDir: string;
  oss: LocalOss;
  /** The current proxy; `resetProxy` replaces it. */
  proxy: FaultProxy;
  /** A fresh proxy (new seed, zeroed stats, no faults) in front of the same OSS; later credentials point at it. */
  resetProxy(seed: number): Promise<void>;
  harnessUrl: string;
  /** Added to the local OSS clock; lets a test age tokens without waiting. */
  clock: { offsetMs: number };
  /** While true, every body the local OSS receives fails with ENOSPC (it writes to /dev/full). */
  disk: { full: boolean };
  /** Served first by `relCredentials`, in order; afterwards each call is a real AssumeRole. */
  credentialOverrides: CredentialsOverride[];
  /** How many times the page asked for credentials. */
  credentialCalls(): number;
  /** AssumeRole for the page: endpoint = the proxy. */
  assumeRole(): Promise<TokenResponse>;
  /** Credentials the server considers expired once its clock passes `expiresAt`, while they claim an hour of life. */
  mintCredentials(expiresAt: number): Promise<TokenResponse>;
  /** Stops the local OSS and starts it again on the same port and data directory. */
  restartOss(pauseMs: number): Promise<void>;
  rootClient(): OSS;
  /** Navigates `page` to the harness (exposing `relCredentials` on its context first, once). */
  openHarness(page: Page): Promise<void>;
  exposeCredentials(context: BrowserContext): Promise<void>;
  close(): Promise<void>;
}

export async function startReliabilityEnv(seed = 1): Promise<ReliabilityEnv> {
  const tempDir = await mkdtemp(join(tmpdir(), 'reliability-'));
  const dataDir = join(tempDir, 'oss');
  const clock = { offsetMs: 0 };
  const disk = { full: false };
  const ossOptions: LocalOssOptions = {
    dataDir,
    port: 0,
    rootAccessKeyId: ROOT_ID,
    rootAccessKeySecret: ROOT_SECRET,
    roleArn: ROLE_ARN,
    buckets: [BUCKET],
    region: REGION,
    now: () => Date.now() + clock.offsetMs,
    storage: { createWriteStream: (path) => (disk.full ? createWriteStream('/dev/full') : createWriteStream(path)) },
  };
  let oss = await startLocalOss(ossOptions);
  let proxy = await startFaultProxy({ target: oss.url, seed });
  const harness = await startHarnessServer({ page: HARNESS, tempDir });

  const credentialOverrides: CredentialsOverride[] = [];
  let calls = 0;
  const exposed = new WeakSet<BrowserContext>();

  const toTokenResponse = (c: { accessKeyId: string; accessKeySecret: string; securityToken: string; expiration: string }): TokenResponse => ({
    ...c,
    region: REGION,
    bucket: BUCKET,
    endpoint: proxy.url,
    secure: false,
    sldEnable: true,
    prefix: PREFIX,
  });

  const assumeRole = async (): Promise<TokenResponse> => {
    // @types/ali-oss lacks `endpoint`; the STS class takes the full URL.
    const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, endpoint: oss.stsUrl } as ConstructorParameters<typeof OSS.STS>[0]);
    const { credentials } = await sts.assumeRole(ROLE_ARN, undefined, 3600, 'reliability');
    return toTokenResponse({
      accessKeyId: credentials.AccessKeyId,
      accessKeySecret: credentials.AccessKeySecret,
      securityToken: credentials.SecurityToken,
      expiration: credentials.Expiration,
    });
  };

  const env: ReliabilityEnv = {
    tempDir,
    get oss() {
      return oss;
    },
    get proxy() {
      return proxy;
    },
    async resetProxy(nextSeed) {
      await proxy.close();
      proxy = await startFaultProxy({ target: oss.url, seed: nextSeed });
    },
    harnessUrl: harness.pageUrl,
    clock,
    disk,
    credentialOverrides,
    credentialCalls: () => calls,
    assumeRole,
    async mintCredentials(expiresAt) {
      // The server's own token format and secret: what its STS would have issued earlier.
      const secret = (await readFile(join(dataDir, 'token-secret'), 'utf8')).trim();
      const issued = issueStsCredentials({ roleArn: ROLE_ARN, roleSessionName: 'reliability', issuedAt: expiresAt - 3_600_000, expiresAt }, secret);
      return toTokenResponse({ ...issued, expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    },
    async restartOss(pauseMs) {
      const { port, stsPort } = oss;
      await oss.close();
      await new Promise((done) => setTimeout(done, pauseMs));
      oss = await startLocalOss({ ...ossOptions, port, stsPort });
    },
    rootClient: () => new OSS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, bucket: BUCKET, region: REGION, endpoint: oss.url, sldEnable: true } as OSS.Options),
    async exposeCredentials(context) {
      if (exposed.has(context)) return;
      exposed.add(context);
      await context.exposeFunction('relCredentials', async () => {
        calls++;
        const override = credentialOverrides.shift();
        return override ? override() : assumeRole();
      });
    },
    async openHarness(page) {
      await env.exposeCredentials(page.context());
      await page.goto(env.harnessUrl);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    },
    async close() {
      await harness.close();
      await proxy.close();
      await oss.close();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
  return env;
}

export { launchChromium } from '../../support/browsers';

/** Same bytes as the page's `makeFile`. */
export function expectedBytes(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.imul(i + seed, 2654435761) >>> 24;
  return bytes;
}

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of the stored object, read back with the root key. */
export async function storedSha256(env: ReliabilityEnv, key: string): Promise<string> {
  const { content } = await env.rootClient().get(key);
  return sha256(content as Buffer);
}

/** Every object key in the bucket (root key), to prove nothing landed where it should not. */
export async function allKeys(env: ReliabilityEnv): Promise<string[]> {
  const result = await env.rootClient().list({ 'max-keys': 1000 }, {});
  return (result.objects ?? []).map((o) => o.name);
}
