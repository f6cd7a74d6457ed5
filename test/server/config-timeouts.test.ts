import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config';
import { startStack } from '../../src/server/stack';
import { configSandbox } from './config-sandbox';

const sandbox = configSandbox('config-timeouts-test-');
const { errorOf } = sandbox;

describe('connection timeouts in the configuration', () => {
  it('default to 30 s for headers and 60 s of silence, in local and cloud mode', () => {
    expect(loadConfig({}, { cwd: sandbox.cwd }).timeouts).toEqual({ headersTimeoutMs: 30_000, idleTimeoutMs: 60_000 });
    const cloud = loadConfig(
      {
        OSS_ENDPOINT: 'https://oss-cn-hangzhou.aliyuncs.com',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexample',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secretValue',
        ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/uploader',
        IDLE_TIMEOUT_MS: '1500',
      },
      { cwd: sandbox.cwd },
    );
    expect(cloud.timeouts).toEqual({ headersTimeoutMs: 30_000, idleTimeoutMs: 1500 });
  });

  it('reads HEADERS_TIMEOUT_MS and IDLE_TIMEOUT_MS', () => {
    expect(loadConfig({ HEADERS_TIMEOUT_MS: '5000', IDLE_TIMEOUT_MS: ' 120000 ' }, { cwd: sandbox.cwd }).timeouts).toEqual({ headersTimeoutMs: 5000, idleTimeoutMs: 120_000 });
  });

  it.each(['0', '-1', '1.5', '30s', 'abc', '2147483648', '99999999999'])('refuses "%s" with one line naming the variable', (value) => {
    const headers = errorOf({ HEADERS_TIMEOUT_MS: value });
    expect(headers.message).toMatch(/^HEADERS_TIMEOUT_MS must be a whole number of milliseconds/);
    expect(headers.message).not.toContain('\n');
    expect(errorOf({ IDLE_TIMEOUT_MS: value }).message).toMatch(/^IDLE_TIMEOUT_MS must be a whole number of milliseconds/);
  });

  it('reach the local OSS that startStack starts', async () => {
    const config = loadConfig({ LOCAL_OSS_PORT: '0', HEADERS_TIMEOUT_MS: '300', IDLE_TIMEOUT_MS: '300' }, { cwd: sandbox.cwd });
    const stack = await startStack(config);
    try {
      const socket = connect({ port: stack.localOss!.port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      // Read whatever comes (a 408 answer), so the server's end of the connection is seen at once.
      socket.resume();
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.write('GET /uploads/x HTTP/1.1\r\nHost: localhost\r\n');
      // Node's own default would keep it open for a minute.
      await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
    } finally {
      await stack.close();
    }
  });
});
