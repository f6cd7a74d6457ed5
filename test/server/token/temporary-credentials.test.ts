import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalOss } from '../../../src/server/local-oss';
import type { TokenResponse } from '../../../src/shared/token-response';
import { createAssumeRole } from '../../../src/server/token/assume-role';
import { credentialsUriSource } from '../../../src/server/token/credential-source';
import { loadTokenSettings } from '../../../src/server/token/config';
import { buildUploadPolicy } from '../../../src/server/token/policy';
import { CookieJar, recordingLogger, ROLE_ARN } from './app-fixtures';
import { localAssumeRole, localTokenApp, startOss, tokenOssClient, type LocalOssAccount } from '../../support/local-oss';

// The token endpoint running on temporary credentials, as on Function Compute, an ECS RAM role or
// RRSA: it signs AssumeRole with an STS key and its SecurityToken (role chaining).
const BUCKET = 'examplebucket';
const REGION = 'oss-cn-hangzhou';
const ROOT = { accessKeyId: 'LTAItemporaryCredsRoot', accessKeySecret: 'temporaryCredsRootSecret0123456789' };
const COOKIE_SECRET = 'c'.repeat(40);
const ACCOUNT: LocalOssAccount = { root: ROOT, roleArn: ROLE_ARN, bucket: BUCKET, region: REGION };

let dataDir: string;
let localOss: LocalOss;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'token-temporary-'));
  localOss = await startOss(ACCOUNT, { dataDir });
});

afterAll(async () => {
  await localOss?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** What FC injects for the function's role: temporary credentials of that role. */
async function functionRoleCredentials() {
  const assume = localAssumeRole(localOss, ROOT);
  return assume({ roleArn: ROLE_ARN, policy: buildUploadPolicy({ bucket: BUCKET, prefix: 'fc/' }), durationSeconds: 3600, sessionName: 'fc-instance' });
}

describe('a token endpoint on temporary credentials, against the local STS and OSS', () => {
  it('issues upload credentials that work, signing AssumeRole with an STS key and its SecurityToken', async () => {
    const role = await functionRoleCredentials();
    expect(role.accessKeyId).toMatch(/^STS\./);
    const settings = loadTokenSettings({ TOKEN_COOKIE_SECRET: COOKIE_SECRET, TOKEN_DURATION_SECONDS: '900' });
    const app = localTokenApp(localOss, ACCOUNT, { config: settings, caller: role, logger: recordingLogger() });
    const jar = new CookieJar();
    const response = await app.request('http://localhost/api/sts', { headers: jar.header() });
    expect(response.status).toBe(200);
    const token = (await response.json()) as TokenResponse;
    expect(token.accessKeyId).not.toBe(role.accessKeyId);

    const client = tokenOssClient(localOss, ACCOUNT, token);
    const put = await client.put(`${token.prefix}hello.txt`, Buffer.from('hello'));
    expect(put.res.status).toBe(200);
  });
});

describe('credentialsUriSource (ALIBABA_CLOUD_CREDENTIALS_URI)', () => {
  let server: Server;
  let served = 0;
  let uri: string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      served += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Code: 'Success',
          AccessKeyId: `STS.uriKey${served}`,
          AccessKeySecret: `uriSecret${served}`,
          SecurityToken: `uriToken${served}`,
          // An hour from the (possibly faked) clock.
          Expiration: new Date(Date.now() + 60 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('reuses the credentials while fresh and asks again before they expire', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const source = credentialsUriSource(uri);

    expect(await source()).toEqual({ accessKeyId: 'STS.uriKey1', accessKeySecret: 'uriSecret1', securityToken: 'uriToken1' });
    vi.setSystemTime(start + 30 * 60_000);
    expect((await source()).accessKeyId).toBe('STS.uriKey1');
    expect(served).toBe(1);

    // 14 minutes before they expire: refreshed, not handed out until they fail.
    vi.setSystemTime(start + 46 * 60_000);
    expect(await source()).toEqual({ accessKeyId: 'STS.uriKey2', accessKeySecret: 'uriSecret2', securityToken: 'uriToken2' });
    expect(served).toBe(2);
  });

  it('feeds createAssumeRole: the token endpoint signs with what the URI answered', async () => {
    // The URI's answer is not a key of the local STS: it refuses it, which shows it was used.
    const assume = createAssumeRole({ credentials: credentialsUriSource(uri), endpoint: localOss.stsUrl, timeoutMs: 5_000 });
    const error = await assume({ roleArn: ROLE_ARN, policy: buildUploadPolicy({ bucket: BUCKET, prefix: 'x/' }), durationSeconds: 900, sessionName: 'u-x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'InvalidSecurityToken.Malformed' });
  });
});
