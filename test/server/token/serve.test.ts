import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AssumeRole } from '../../../src/server/token/assume-role';
import { createTokenApp } from '../../../src/server/token/app';
import type { TokenAppConfig } from '../../../src/server/token/app';
import type { TokenResponse } from '../../../src/shared/token-response';
import { recordingLogger, testConfig } from './app-fixtures';

// Mounted in a parent app and served over a real socket, as the product serves it next to the web app.
const issueForAnHour: AssumeRole = async ({ sessionName }) => ({
  accessKeyId: `STS.${sessionName}`,
  accessKeySecret: 'issued-secret',
  securityToken: 'issued-token',
  expiration: new Date(Date.now() + 3600_000),
});

let server: ServerType | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serveMounted(config: Partial<TokenAppConfig>): Promise<string> {
  const parent = new Hono();
  parent.route('/', createTokenApp({ assumeRole: issueForAnHour, config: testConfig(config), logger: recordingLogger() }));
  parent.get('/', (c) => c.html('<uploader-panel></uploader-panel>'));
  return new Promise((resolve) => {
    server = serve({ fetch: parent.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
  });
}

describe('token app served by @hono/node-server', () => {
  it('issues credentials and a cookie next to the parent app routes', async () => {
    const base = await serveMounted({});
    const token = await fetch(`${base}/api/sts`);
    expect(token.status).toBe(200);
    expect(((await token.json()) as TokenResponse).prefix).toMatch(/^uploads\/.+\/$/);
    expect(token.headers.get('set-cookie')).toMatch(/^uploader_id=/);
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });

  it('rate-limits a client over a real socket', async () => {
    const base = await serveMounted({ rateLimit: { perSubjectPerMinute: 0, perIpPerMinute: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/api/sts`)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
