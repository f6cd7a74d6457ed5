import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalOss } from '../../src/server/local-oss';
import type { TokenResponse } from '../../src/shared/token-response';
import { buildUploadPolicy } from '../../src/server/token/policy';
import { localAssumeRole, startOss, tokenOssClient, type LocalOssAccount } from '../support/local-oss';

// `npm start` as Function Compute 3.0 runs it (examples/function-compute/s.yaml): the port in
// FC_SERVER_PORT, the function role's temporary credentials in ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET /
// _SECURITY_TOKEN, cloud mode pointed here at the local OSS and STS.
const ROOT_DIR = resolve(import.meta.dirname, '../..');
const BUCKET = 'fcbucket';
const REGION = 'oss-cn-hangzhou';
const ROLE_ARN = 'acs:ram::1234567890123456:role/oss-uploader';
const ROOT = { accessKeyId: 'LTAIfunctionComputeRoot', accessKeySecret: 'functionComputeRootSecret0123456789' };
const ACCOUNT: LocalOssAccount = { root: ROOT, roleArn: ROLE_ARN, bucket: BUCKET, region: REGION };

let dataDir: string;
let localOss: LocalOss;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fc-e2e-'));
  localOss = await startOss(ACCOUNT, { dataDir: join(dataDir, 'oss') });
});

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  }
  await localOss?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

/** Runs `npm start`'s entry point with exactly these variables (plus PATH and HOME). */
function start(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (text.includes('Uploader ready')) done();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then((code) => fail(new Error(`the server exited (${code}):\n${text}`)));
  });
  ready.catch(() => undefined);
  return { child, output: () => text, ready, exit };
}

async function functionRoleEnv(port: number): Promise<Record<string, string>> {
  const role = await localAssumeRole(localOss, ROOT)({
    roleArn: ROLE_ARN,
    policy: buildUploadPolicy({ bucket: BUCKET, prefix: 'fc-role/' }),
    durationSeconds: 3600,
    sessionName: 'fc-instance',
  });
  return {
    FC_SERVER_PORT: String(port),
    FC_FUNCTION_NAME: 'oss-uploader',
    FC_REGION: 'cn-hangzhou',
    FC_ACCOUNT_ID: '1234567890123456',
    ALIBABA_CLOUD_ACCESS_KEY_ID: role.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: role.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: role.securityToken,
    OSS_ENDPOINT: localOss.url,
    STS_ENDPOINT: localOss.stsUrl,
    OSS_BUCKET: BUCKET,
    OSS_REGION: REGION,
    ALIBABA_CLOUD_ROLE_ARN: ROLE_ARN,
    DATA_DIR: join(dataDir, 'app'),
    BROWSER: 'none',
  };
}

describe('npm start under Function Compute variables', () => {
  it('listens on every interface at FC_SERVER_PORT and issues upload credentials from the function role', async () => {
    const port = await freePort();
    const server = start({ ...(await functionRoleEnv(port)), TOKEN_COOKIE_SECRET: 'f'.repeat(43) });
    await server.ready;

    // 0.0.0.0: reachable through a non-loopback address too, when this machine has one.
    const external = Object.values(networkInterfaces()).flat().find((address) => address && address.family === 'IPv4' && !address.internal);
    for (const host of ['127.0.0.1', ...(external ? [external.address] : [])]) {
      expect((await fetch(`http://${host}:${port}/api/health`)).status).toBe(200);
    }

    const response = await fetch(`http://127.0.0.1:${port}/api/sts`);
    expect(response.status).toBe(200);
    const token = (await response.json()) as TokenResponse;
    const client = tokenOssClient(localOss, ACCOUNT, token);
    expect((await client.put(`${token.prefix}from-fc.txt`, Buffer.from('hi'))).res.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    // Cloud mode keeps no secret in DATA_DIR.
    expect(await readdir(join(dataDir, 'app')).catch(() => [])).not.toContain('token-cookie-secret');
  });

  it('refuses to start in cloud mode without TOKEN_COOKIE_SECRET, in one line naming it', async () => {
    const server = start(await functionRoleEnv(await freePort()));
    expect(await server.exit).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Configuration error: TOKEN_COOKIE_SECRET is required in cloud mode/);
  });
});
