import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '../../../src/shared/token-response';
import { createTokenApp } from '../../../src/server/token/app';
import type { AssumeRole } from '../../../src/server/token/assume-role';
import { CookieJar, recordingLogger, testConfig } from './app-fixtures';

// The token app inside an existing Express server, as docs/token-endpoint.md shows it.
const assumeRole: AssumeRole = async () => ({
  accessKeyId: 'STS.mounted',
  accessKeySecret: 'mountedSecret',
  securityToken: 'mountedToken',
  expiration: new Date(Date.now() + 3_600_000),
});

let server: Server;
let origin: string;

beforeAll(async () => {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('the shop');
  });
  // Express strips the mount path from req.url, so the token app's routes start at the root.
  const tokenApp = createTokenApp({ assumeRole, config: testConfig(), logger: recordingLogger(), basePath: '' });
  app.use('/uploads/api', getRequestListener(tokenApp.fetch));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createTokenApp mounted in Express', () => {
  it('answers under the mount path, with the cookie, and leaves the rest to Express', async () => {
    const jar = new CookieJar();
    const response = await fetch(`${origin}/uploads/api/sts`, { headers: jar.header() });
    expect(response.status).toBe(200);
    jar.store(response);
    expect(jar.header()).toHaveProperty('Cookie');
    const token = (await response.json()) as TokenResponse;
    expect(token).toMatchObject({ accessKeyId: 'STS.mounted', objectInfoUrl: 'object' });

    const again = await fetch(`${origin}/uploads/api/sts`, { headers: jar.header() });
    expect(((await again.json()) as TokenResponse).prefix).toBe(token.prefix);
    expect((await fetch(`${origin}/uploads/api/health`)).status).toBe(200);
    expect(await (await fetch(`${origin}/`)).text()).toBe('the shop');
    expect((await fetch(`${origin}/api/sts`)).status).toBe(404);
  });
});

describe('createTokenApp basePath', () => {
  it.each([
    ['/api (default)', undefined, '/api/sts'],
    ['/uploads/token', '/uploads/token', '/uploads/token/sts'],
    ['the root', '', '/sts'],
  ])('serves %s', async (_what, basePath, path) => {
    const app = createTokenApp({ assumeRole, config: testConfig(), logger: recordingLogger(), ...(basePath === undefined ? {} : { basePath }) });
    expect((await app.request(`http://localhost${path}`)).status).toBe(200);
    const elsewhere = path === '/api/sts' ? '/sts' : '/api/sts';
    expect((await app.request(`http://localhost${elsewhere}`)).status).toBe(404);
  });
});
