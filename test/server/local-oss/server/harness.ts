import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OSS from 'ali-oss';
import { startLocalOss, type LocalOss, type LocalOssOptions } from '../../../../src/server/local-oss';

export const BUCKET = 'test-bucket';
export const ROOT_ID = 'LTAItestRootKey';
export const ROOT_SECRET = 'testRootSecretValue';
export const ROLE_ARN = 'acs:ram::1000000000000000:role/oss-uploader';
export const REGION = 'oss-cn-hangzhou';

/** A clock the test can move; the server reads it for signatures and token expiry. */
export class TestClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
}

export interface Harness {
  oss: LocalOss;
  dataDir: string;
  clock: TestClock;
  /** ali-oss Node client on the root key, path style, as the token endpoint hands it out. */
  client(options?: Partial<OSS.Options> & { authorizationV4?: boolean }): OSS;
  /** Stops the server; `dispose` also removes the data directory. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startHarness(overrides: Partial<LocalOssOptions> = {}, existingDataDir?: string): Promise<Harness> {
  const dataDir = existingDataDir ?? (await mkdtemp(join(tmpdir(), 'local-oss-test-')));
  const clock = new TestClock();
  const oss = await startLocalOss({
    dataDir,
    rootAccessKeyId: ROOT_ID,
    rootAccessKeySecret: ROOT_SECRET,
    roleArn: ROLE_ARN,
    buckets: [BUCKET],
    region: REGION,
    now: clock.now,
    ...overrides,
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await oss.close();
  };
  return {
    oss,
    dataDir,
    clock,
    client: (options = {}) =>
      new OSS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, bucket: BUCKET, region: REGION, endpoint: oss.url, sldEnable: true, ...options } as OSS.Options),
    stop,
    dispose: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error an ali-oss call fails with (the test fails if it succeeds). */
export async function failureOf(call: Promise<unknown>): Promise<{ code?: string; status?: number; name?: string; message: string; requestId?: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code?: string; status?: number; message: string };
  }
  throw new Error('expected the call to fail');
}

export function bytes(length: number, seed = 1): Buffer {
  const buffer = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    buffer[i] = state >>> 24;
  }
  return buffer;
}

/** A `<Part>` of ListParts as ali-oss returns it (xml2js: strings; the typings say otherwise). */
export interface ListedPart {
  PartNumber: string;
  ETag: string;
  Size: string;
  HashCrc64ecma: string;
}

/** ali-oss `listParts`, with its one-part-is-an-object quirk smoothed into an array. */
export async function listParts(
  client: OSS,
  key: string,
  uploadId: string,
  query: Record<string, string> = {},
): Promise<{ parts: ListedPart[]; isTruncated: string; nextPartNumberMarker: string }> {
  const result = (await client.listParts(key, uploadId, query as never)) as unknown as { parts?: ListedPart | ListedPart[]; isTruncated: string; nextPartNumberMarker: string };
  return { parts: result.parts === undefined ? [] : [result.parts].flat(), isTruncated: result.isTruncated, nextPartNumberMarker: result.nextPartNumberMarker };
}
