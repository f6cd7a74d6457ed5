import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_ARN, loadConfig, type Env } from '../../src/server/config';
import { configSandbox } from './config-sandbox';

const sandbox = configSandbox('config-test-');
const { errorOf } = sandbox;

const SECRET = 'superSecretValue123';
const cloudEnv: Env = {
  OSS_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
  ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/uploader',
};


describe('loadConfig', () => {
  it('runs in local mode with documented defaults', () => {
    const config = loadConfig({}, { cwd: sandbox.cwd });
    expect(config).toMatchObject({
      port: 5173,
      dataDir: join(sandbox.cwd, '.data'),
      bucket: 'uploads',
      region: 'oss-cn-hangzhou',
      roleArn: DEFAULT_ROLE_ARN,
      openBrowser: true,
      oss: { mode: 'local', port: 9000, stsPort: 9001, credentialsFile: join(sandbox.cwd, '.data', 'credentials.json') },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      { PORT: '8080', LOCAL_OSS_PORT: '7000', DATA_DIR: 'state', OSS_BUCKET: 'my-bucket', OSS_REGION: 'oss-us-west-1', BROWSER: 'none' },
      { cwd: sandbox.cwd },
    );
    expect(config).toMatchObject({ port: 8080, dataDir: join(sandbox.cwd, 'state'), bucket: 'my-bucket', region: 'oss-us-west-1', openBrowser: false });
    expect(config.oss).toMatchObject({ mode: 'local', port: 7000, stsPort: 7001 });
  });

  it('generates the local root key once, 0600, and returns the same key on the next load', async () => {
    const first = loadConfig({}, { cwd: sandbox.cwd });
    const second = loadConfig({}, { cwd: sandbox.cwd });
    const file = join(sandbox.cwd, '.data', 'credentials.json');
    expect(second.oss.rootKey).toEqual(first.oss.rootKey);
    expect(first.oss.rootKey!.accessKeySecret.length).toBeGreaterThanOrEqual(30);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(first.oss.rootKey);
  });

  it('uses a key pair from the environment in local mode and writes no file', () => {
    const config = loadConfig({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIlocal', ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET }, { cwd: sandbox.cwd });
    expect(config.oss).toMatchObject({ mode: 'local', credentialsFile: null, rootKey: { accessKeyId: 'LTAIlocal', accessKeySecret: SECRET } });
  });

  it('switches to cloud mode when OSS_ENDPOINT is set', () => {
    const config = loadConfig(cloudEnv, { cwd: sandbox.cwd });
    expect(config.oss).toMatchObject({ mode: 'cloud', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', stsEndpoint: 'https://sts.aliyuncs.com' });
    expect(config.roleArn).toBe('acs:ram::1234567890123456:role/uploader');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOCAL_OSS_PORT: '-1' }, 'LOCAL_OSS_PORT'],
    [{ LOCAL_OSS_PORT: '65535' }, 'LOCAL_OSS_PORT'],
    [{ OSS_BUCKET: 'Bad_Bucket' }, 'OSS_BUCKET'],
    [{ OSS_BUCKET: 'ab' }, 'OSS_BUCKET'],
    [{ OSS_REGION: 'hangzhou' }, 'OSS_REGION'],
    [{ ALIBABA_CLOUD_ROLE_ARN: 'role/uploader' }, 'ALIBABA_CLOUD_ROLE_ARN'],
    [{ ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIonly' }, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    [{ ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET }, 'ALIBABA_CLOUD_ACCESS_KEY_ID'],
    [{ ...cloudEnv, ALIBABA_CLOUD_ROLE_ARN: undefined }, 'ALIBABA_CLOUD_ROLE_ARN'],
    [{ ...cloudEnv, ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined }, 'ALIBABA_CLOUD_ACCESS_KEY_ID'],
    [{ ...cloudEnv, OSS_ENDPOINT: 'ftp://example.com' }, 'OSS_ENDPOINT'],
    [{ ...cloudEnv, OSS_ENDPOINT: undefined, STS_ENDPOINT: 'https://sts.aliyuncs.com' }, 'OSS_ENDPOINT'],
    [{ ...cloudEnv, STS_ENDPOINT: 'not a url' }, 'STS_ENDPOINT'],
    [{ HOST: 'local host' }, 'HOST'],
    [{ HOST: 'a/b' }, 'HOST'],
    [{ FC_SERVER_PORT: '99999' }, 'FC_SERVER_PORT'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ ...cloudEnv, UPLOAD_ROLE_ARN: 'uploader' }, 'UPLOAD_ROLE_ARN'],
    [{ ALIBABA_CLOUD_SECURITY_TOKEN: SECRET }, 'ALIBABA_CLOUD_SECURITY_TOKEN'],
    [{ ...cloudEnv, ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined, ALIBABA_CLOUD_SECURITY_TOKEN: SECRET }, 'ALIBABA_CLOUD_SECURITY_TOKEN'],
    [
      { ...cloudEnv, ALIBABA_CLOUD_ACCESS_KEY_ID: undefined, ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined, ALIBABA_CLOUD_OIDC_TOKEN_FILE: '/var/run/token' },
      'UPLOAD_ROLE_ARN',
    ],
  ] as Array<[Env, string]>)('rejects %j with one line naming %s and no secret', (env, variable) => {
    const error = errorOf(env);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(SECRET);
  });

  it('reads the production settings: HOST, FC_SERVER_PORT, REDIS_URL, UPLOAD_ROLE_ARN', () => {
    expect(loadConfig({}, { cwd: sandbox.cwd })).toMatchObject({ host: 'localhost', port: 5173, redisUrl: null });
    // Function Compute: its port, and every interface, since FC reaches the instance from outside.
    expect(loadConfig({ FC_SERVER_PORT: '9000', LOCAL_OSS_PORT: '9100' }, { cwd: sandbox.cwd })).toMatchObject({ host: '0.0.0.0', port: 9000 });
    expect(loadConfig({ FC_SERVER_PORT: '9000', PORT: '8080', HOST: '127.0.0.1', LOCAL_OSS_PORT: '9100' }, { cwd: sandbox.cwd })).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(loadConfig({ REDIS_URL: 'redis://localhost:6379/0' }, { cwd: sandbox.cwd }).redisUrl).toBe('redis://localhost:6379/0');
    const role = 'acs:ram::1234567890123456:role/upload-only';
    expect(loadConfig({ ...cloudEnv, UPLOAD_ROLE_ARN: role }, { cwd: sandbox.cwd }).roleArn).toBe(role);
  });

  it('names DATA_DIR when the credentials file is corrupt, without printing its content', async () => {
    loadConfig({}, { cwd: sandbox.cwd });
    await writeFile(join(sandbox.cwd, '.data', 'credentials.json'), `{"accessKeyId": 1, "accessKeySecret": "${SECRET}"`);
    const error = errorOf({});
    expect(error.message).toContain('DATA_DIR');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('npm start (src/server/main.ts)', () => {
  it('prints one line naming the bad variable and exits 1', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        join(root, 'node_modules', '.bin', 'tsx'),
        [join(root, 'src', 'server', 'main.ts')],
        { cwd: sandbox.cwd, env: { ...process.env, PORT: 'not-a-port', BROWSER: 'none' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('PORT');
  });

  it('starts the local OSS, prints its URLs and the credentials file but not the secret, and stops on SIGTERM', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'server', 'main.ts')], {
      cwd: sandbox.cwd,
      env: { ...process.env, LOCAL_OSS_PORT: '0', BROWSER: 'none' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      await expect.poll(() => stdout, { timeout: 60_000 }).toContain('Root access key');
      const url = /Local OSS:\s+(http:\/\/localhost:\d+)/.exec(stdout)?.[1];
      expect((await fetch(`${url}/uploads/x`)).status).toBe(403);
      const key = JSON.parse(await readFile(join(sandbox.cwd, '.data', 'credentials.json'), 'utf8')) as { accessKeySecret: string };
      expect(stdout).not.toContain(key.accessKeySecret);
      expect(stdout).toContain(join(sandbox.cwd, '.data', 'credentials.json'));
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
