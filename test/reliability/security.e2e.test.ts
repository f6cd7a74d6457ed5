/**
 * Security properties of the whole stack as `npm start` runs it (local OSS + STS, token endpoint,
 * app pages on one origin):
 * - no secret in the built bundle, nor in anything the app serves to the browser;
 * - the token response never carries the root key;
 * - one uploader's credentials cannot write, overwrite, list or abort under another's prefix;
 * - file names are rendered as text (no markup injection);
 * - pages carry a Content-Security-Policy that still lets uploads reach the OSS endpoint.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TokenResponse } from '../../src/shared/token-response';
import { startAppStack, type AppStack } from '../ui/app-stack';
import { launchChromium } from './support/env';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

let app: AppStack;
let browser: Browser;
/** The stack's own secrets, read from its data directory: what must never reach a browser. */
let secrets: { rootId: string; rootSecret: string; cookieSecret: string };

beforeAll(async () => {
  app = await startAppStack();
  const dataDir = join(app.tempDir, 'data');
  const root = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as { accessKeyId: string; accessKeySecret: string };
  secrets = {
    rootId: root.accessKeyId,
    rootSecret: root.accessKeySecret,
    cookieSecret: (await readFile(join(dataDir, 'token-cookie-secret'), 'utf8')).trim(),
  };
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** One uploader identity: a cookie jar of its own against the token endpoint. */
class CookieJar {
  #cookie = '';

  async token(): Promise<{ status: number; text: string; body: TokenResponse }> {
    const response = await fetch(`${app.url}/api/sts`, { headers: this.#cookie ? { cookie: this.#cookie } : {} });
    const setCookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    if (setCookie) this.#cookie = setCookie;
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as TokenResponse };
  }
}

/** @types/ali-oss wants every ListParts field; the defaults are what a caller means. */
const FIRST_PAGE = { 'max-parts': 1000 } as OSS.ListPartsQuery;

function clientFor(token: TokenResponse): OSS {
  return new OSS({
    accessKeyId: token.accessKeyId,
    accessKeySecret: token.accessKeySecret,
    stsToken: token.securityToken,
    bucket: token.bucket,
    region: token.region,
    endpoint: token.endpoint,
    secure: token.secure,
    sldEnable: true,
  } as OSS.Options);
}

/** The OSS error code of a refused call, or 'allowed'. */
async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'allowed';
  } catch (error) {
    return `${(error as { status?: number }).status} ${(error as { code?: string }).code}`;
  }
}

function expectNoSecret(text: string, where: string): void {
  for (const [name, value] of Object.entries(secrets)) {
    expect(text.includes(value), `${name} found in ${where}`).toBe(false);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

describe('secrets stay on the server', () => {
  it('the built bundle (with source maps) holds no secret, even with secrets in the build environment', async () => {
    const outDir = join(app.tempDir, 'build');
    // Canary values for every secret the server reads from the environment: a build that
    // inlined environment variables would carry them into the output.
    const canaries = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIcanaryAccessKeyId0000',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'canaryRootAccessKeySecret0123456789',
      TOKEN_COOKIE_SECRET: 'canaryCookieSecret0123456789abcdefghijkl',
    };
    await run('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], { ...process.env, ...canaries });
    const files = await filesUnder(outDir);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [name, value] of Object.entries(canaries)) expect(text.includes(value), `${name} in ${file}`).toBe(false);
      expectNoSecret(text, file);
      expect(text, file).not.toMatch(/accessKeySecret"\s*:\s*"[^"]+"/);
      expect(text, file).not.toMatch(/LTAI[A-Za-z0-9]{12,}/);
    }
  });

  it('the token response carries STS credentials only, never the root key or cookie secret', async () => {
    const { status, text, body } = await new CookieJar().token();
    expect(status).toBe(200);
    expectNoSecret(text, 'the token response');
    expect(body.accessKeyId.startsWith('STS.')).toBe(true);
    // Error answers must not leak either.
    const refused = await fetch(`${app.url}/api/sts`, { method: 'POST' });
    expect(refused.status).toBe(405);
    expectNoSecret(await refused.text(), 'the 405 answer');
  });
});

describe('one uploader cannot touch another uploader’s prefix', () => {
  it('A cannot write, overwrite, list, initiate or abort under B’s prefix', async () => {
    const a = (await new CookieJar().token()).body;
    const b = (await new CookieJar().token()).body;
    expect(a.prefix).not.toBe(b.prefix);
    const clientA = clientFor(a);
    const clientB = clientFor(b);

    // B's own data: an object and an unfinished multipart upload.
    await clientB.put(`${b.prefix}owned.txt`, Buffer.from('B wrote this'));
    const { uploadId } = await clientB.initMultipartUpload(`${b.prefix}big.bin`);

    // A positive control: A's credentials work under A's own prefix.
    expect(await outcomeOf(clientA.put(`${a.prefix}mine.txt`, Buffer.from('A')))).toBe('allowed');

    expect(await outcomeOf(clientA.put(`${b.prefix}intruder.txt`, Buffer.from('A was here')))).toBe('403 AccessDenied');
    expect(await outcomeOf(clientA.put(`${b.prefix}owned.txt`, Buffer.from('overwritten')))).toBe('403 AccessDenied');
    expect(await outcomeOf(clientA.list({ prefix: b.prefix, 'max-keys': 10 }, {}))).toBe('403 AccessDenied');
    expect(await outcomeOf(clientA.initMultipartUpload(`${b.prefix}other.bin`))).toBe('403 AccessDenied');
    expect(await outcomeOf(clientA.abortMultipartUpload(`${b.prefix}big.bin`, uploadId))).toBe('403 AccessDenied');
    expect(await outcomeOf(clientA.listParts(`${b.prefix}big.bin`, uploadId, FIRST_PAGE))).toBe('403 AccessDenied');
    // A prefix that merely starts like B's (no slash) is another place, not B's.
    expect(await outcomeOf(clientA.put(`${b.prefix.slice(0, -1)}x/sneak.txt`, Buffer.from('x')))).toBe('403 AccessDenied');

    // B's data is as B left it.
    const root = app.rootClient();
    expect(((await root.get(`${b.prefix}owned.txt`)).content as Buffer).toString()).toBe('B wrote this');
    await expect(root.head(`${b.prefix}intruder.txt`)).rejects.toMatchObject({ status: 404 });
    expect(await outcomeOf(clientB.listParts(`${b.prefix}big.bin`, uploadId, FIRST_PAGE))).toBe('allowed');
  });
});

describe('the app page', () => {
  it('renders a hostile file name as text, under a CSP that allows the OSS endpoint, and serves no secret', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Collected before any app script runs.
    await page.addInitScript(() => {
      const w = window as unknown as { __cspViolations: string[] };
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const served: Promise<string>[] = [];
    page.on('response', (response) => {
      // Everything from the app's origin except the token endpoint, whose answer is an STS secret by design.
      const url = new URL(response.url());
      if (url.origin === app.url && !url.pathname.startsWith('/api/sts')) served.push(response.text().catch(() => ''));
    });

    const main = await page.goto(app.url);
    await page.locator('.ou-drop__zone').waitFor();
    const csp = main?.headers()['content-security-policy'] ?? '';
    const token = (await new CookieJar().token()).body;
    const ossOrigin = new URL(token.endpoint).origin;
    const connectSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src')) ?? '';
    expect(connectSrc.split(/\s+/)).toContain(ossOrigin);
    expect(csp).toMatch(/script-src 'self'(?! 'unsafe-inline')/);
    expect(csp).toContain("object-src 'none'");

    const name = '<img src=x onerror=window.__xss=1>.txt';
    await page.locator('input[type=file]').first().setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('harmless') });
    const row = page.locator('.ou-list > .ou-row[data-state="done"]');
    await row.waitFor({ timeout: 60_000 });

    // The CSP alone would stop the inline onerror handler, so `__xss` cannot tell markup from text;
    // the DOM can: the literal name as text, and no <img> element anywhere in the list.
    expect(await row.locator('.ou-row__name').textContent()).toBe(name);
    expect(await page.locator('.ou-list img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);

    const bodies = await Promise.all(served);
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) expectNoSecret(body, 'a response of the app');
    await context.close();
  });
});
