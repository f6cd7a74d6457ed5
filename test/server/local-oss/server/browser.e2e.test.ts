import { createHash } from 'node:crypto';
import { join } from 'node:path';
import OSS from 'ali-oss';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../support/browsers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLoopback, type Listening } from '../../../../src/server/local-oss/listen';
import { BUCKET, REGION, ROLE_ARN, ROOT_ID, ROOT_SECRET, startHarness, type Harness } from './harness';

const SDK = join(import.meta.dirname, '..', '..', '..', '..', 'node_modules', 'ali-oss', 'dist', 'aliyun-oss-sdk.min.js');

let harness: Harness;
let pageServer: Listening;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The page lives on another origin, as the app does, so every OSS call is a CORS request.
  pageServer = await listenLoopback((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end('<!doctype html><title>uploader</title>');
  }, 0);
  const appOrigin = `http://localhost:${pageServer.port}`;
  harness = await startHarness({ corsAllowedOrigins: [appOrigin] });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(appOrigin);
  await page.addScriptTag({ path: SDK });
});

afterAll(async () => {
  await browser?.close();
  await harness?.dispose();
  await pageServer?.close();
});

interface BrowserResult {
  etag: string;
  size: string;
  crc64: string;
  missingCode: string;
  deniedCode: string;
}

describe('ali-oss in Chromium against the local server', () => {
  it.each([
    ['V1', false],
    ['V4', true],
  ])('uploads in parts with STS credentials and reads error codes through CORS (%s)', async (mode, authorizationV4) => {
    const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, endpoint: harness.oss.stsUrl } as never);
    const policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:*'], Resource: [`acs:oss:*:*:${BUCKET}/uploads/a/*`] }] };
    const { credentials } = await sts.assumeRole(ROLE_ARN, policy, 900, 'browser');
    const key = `uploads/a/browser-${mode}.bin`;
    const size = 250 * 1024;

    const result = await page.evaluate(
      async ({ credentials, endpoint, bucket, region, key, size, authorizationV4 }) => {
        const OSSClient = (window as unknown as { OSS: new (options: object) => any }).OSS;
        const client = new OSSClient({
          accessKeyId: credentials.AccessKeyId,
          accessKeySecret: credentials.AccessKeySecret,
          stsToken: credentials.SecurityToken,
          bucket, region, endpoint, sldEnable: true, authorizationV4,
        });
        const bytes = new Uint8Array(size).map((_, index) => (index * 7) % 251);
        await client.multipartUpload(key, new Blob([bytes]), { partSize: 100 * 1024, parallel: 2 });
        const head = await client.head(key);
        const codeOf = (call: Promise<unknown>) => call.then(() => 'ok', (error: { code?: string; name?: string }) => error.code ?? error.name ?? 'unknown');
        return {
          etag: head.res.headers.etag,
          size: head.res.headers['content-length'],
          crc64: head.res.headers['x-oss-hash-crc64ecma'],
          missingCode: await codeOf(client.get('uploads/a/missing.bin')),
          deniedCode: await codeOf(client.put('outside/denied.txt', new Blob(['x']))),
        };
      },
      { credentials, endpoint: harness.oss.url, bucket: BUCKET, region: REGION, key, size, authorizationV4 },
    ) as BrowserResult;

    expect(result.size).toBe(String(size));
    expect(result.etag).toMatch(/^"[0-9A-F]{32}-3"$/);
    expect(result.crc64).toMatch(/^\d+$/);
    expect(result.missingCode).toBe('NoSuchKey');
    expect(result.deniedCode).toBe('AccessDenied');

    const stored = (await harness.client().get(key)).content as Buffer;
    const expected = Buffer.from(new Uint8Array(size).map((_, index) => (index * 7) % 251));
    expect(createHash('md5').update(stored).digest('hex')).toBe(createHash('md5').update(expected).digest('hex'));
  });
});
