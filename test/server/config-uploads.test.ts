import { describe, expect, it } from 'vitest';
import { loadConfig, type Env } from '../../src/server/config';
import { uploadCallbackUrl } from '../../src/server/stack';
import { configSandbox } from './config-sandbox';

// The upload records' settings: DATABASE_URL, PUBLIC_URL (where OSS calls back) and CALLBACK_TIMEOUT_MS.
const sandbox = configSandbox('config-uploads-');
const { errorOf } = sandbox;

const PASSWORD = 'pg-password-that-must-not-leak';
const cloudEnv: Env = {
  OSS_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
  ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/uploader',
};


describe('upload record settings', () => {
  it('defaults: embedded database, no public URL, callbacks wait 5 s', () => {
    expect(loadConfig({}, { cwd: sandbox.cwd })).toMatchObject({ databaseUrl: null, publicUrl: null, callbackTimeoutMs: 5000 });
  });

  it('reads DATABASE_URL, PUBLIC_URL (trailing slash dropped, path kept) and CALLBACK_TIMEOUT_MS', () => {
    const url = `postgresql://uploader:${PASSWORD}@db.internal:5432/uploads`;
    expect(loadConfig({ DATABASE_URL: url, PUBLIC_URL: 'https://uploads.example.com/app/', CALLBACK_TIMEOUT_MS: '1500' }, { cwd: sandbox.cwd })).toMatchObject({
      databaseUrl: url,
      publicUrl: 'https://uploads.example.com/app',
      callbackTimeoutMs: 1500,
    });
  });

  it.each([
    [{ DATABASE_URL: `mysql://root:${PASSWORD}@db/x` }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'uploads.example.com' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'https://uploads.example.com/?x=1' }, 'PUBLIC_URL'],
    [{ PUBLIC_URL: 'ftp://uploads.example.com' }, 'PUBLIC_URL'],
    [{ CALLBACK_TIMEOUT_MS: '0' }, 'CALLBACK_TIMEOUT_MS'],
    [{ CALLBACK_TIMEOUT_MS: 'soon' }, 'CALLBACK_TIMEOUT_MS'],
  ] as Array<[Env, string]>)('rejects %j with one line naming %s and no password', (env, variable) => {
    const error = errorOf(env);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(PASSWORD);
  });
});

describe('the callback URL the token endpoint issues', () => {
  it('cloud mode: PUBLIC_URL only, whatever address the app listens on; none without PUBLIC_URL', () => {
    const cloud = loadConfig({ ...cloudEnv, PUBLIC_URL: 'https://uploads.example.com/app' }, { cwd: sandbox.cwd });
    expect(uploadCallbackUrl(cloud, 'http://localhost:5173')).toBe('https://uploads.example.com/app/api/uploads/callback');
    expect(uploadCallbackUrl(loadConfig(cloudEnv, { cwd: sandbox.cwd }), 'http://localhost:5173')).toBeNull();
  });

  it('local mode: the app server itself (the local OSS calls loopback only), once it listens', () => {
    const local = loadConfig({ PUBLIC_URL: 'https://uploads.example.com' }, { cwd: sandbox.cwd });
    expect(uploadCallbackUrl(local, null)).toBeNull();
    expect(uploadCallbackUrl(local, 'http://localhost:5173')).toBe('http://localhost:5173/api/uploads/callback');
  });
});
