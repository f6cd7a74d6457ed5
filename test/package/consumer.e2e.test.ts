/**
 * The npm package as a newcomer uses it. `npm pack` (which builds the library), then, in a temp folder:
 *   - a fresh Vite + Vue app that installs the tarball (offline, from the npm cache) and imports
 *     `OssUploader` and `oss-resumable-uploader/style.css`, built with its own `vite build`;
 *   - a plain HTML page that loads `<oss-uploader>` from `/static/oss/` (the package's element files);
 *   - a TypeScript file importing `.`, `./element`, `./engine` and `./server`, checked with tsc.
 * Both pages are served with the app's Content-Security-Policy next to the token endpoint of the
 * installed package's `./server` entry, against the local OSS + STS, and driven in Chromium.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import OSS from 'ali-oss';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contentSecurityPolicy } from '../../src/server/app-server';
import { loadConfig } from '../../src/server/config';
import { startStack, type Stack } from '../../src/server/stack';
import { chromiumLaunchOptions } from '../support/browsers';
import { consumerLockfile, type RepoLock } from './consumer-lockfile';

const run = promisify(execFile);
const REPO_ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE = 'oss-resumable-uploader';
const MiB = 1024 * 1024;
const PART_SIZE = 1 * MiB;

let temp: string;
let appDir: string;
let stack: Stack;
let site: { url: string; close(): Promise<void> };
let browser: Browser;
let rootClient: OSS;

async function sh(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, maxBuffer: 64 * MiB, env: { ...process.env, NODE_ENV: undefined } });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** `npm pack` into `temp` (its prepack script runs `npm run build:lib`); the tarball's file name. */
async function pack(): Promise<string> {
  await sh('npm', ['pack', '--pack-destination', temp, '--silent'], REPO_ROOT);
  const tarballs = (await readdir(temp)).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  return tarballs[0]!;
}

/** A minimal Vite + Vue app using the component, with the tarball installed as a package. */
async function createConsumerApp(tarball: string): Promise<void> {
  const repoLock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as RepoLock;
  const version = (name: string): string => repoLock.packages[`node_modules/${name}`]!.version!;
  const tarballBytes = await readFile(join(temp, tarball));
  const manifest = JSON.parse(await sh('tar', ['-xzOf', join(temp, tarball), 'package/package.json'], temp));
  const spec = `file:../${tarball}`;
  const consumer = {
    name: 'consumer-app',
    dependencies: { [PACKAGE]: spec, vue: version('vue') },
    devDependencies: { vite: version('vite'), '@vitejs/plugin-vue': version('@vitejs/plugin-vue') },
  };
  const lock = consumerLockfile(repoLock, consumer, {
    manifest,
    resolved: spec,
    integrity: `sha512-${createHash('sha512').update(tarballBytes).digest('base64')}`,
  });
  await mkdir(join(appDir, 'src'), { recursive: true });
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ ...consumer, private: true, type: 'module' }, null, 2),
    'package-lock.json': JSON.stringify(lock, null, 2),
    'vite.config.ts': `import { defineConfig } from 'vite';\nimport vue from '@vitejs/plugin-vue';\n\nexport default defineConfig({ plugins: [vue()] });\n`,
    'index.html': `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Consumer</title></head>\n<body><div id="app"></div><script type="module" src="/src/main.ts"></script></body>\n</html>\n`,
    'src/main.ts': `import { createApp } from 'vue';\nimport 'oss-resumable-uploader/style.css';\nimport App from './App.vue';\n\ncreateApp(App).mount('#app');\n`,
    'src/App.vue': [
      '<script setup lang="ts">',
      "import { OssUploader, type UploadSuccessPayload } from 'oss-resumable-uploader';",
      "const stored = (result: UploadSuccessPayload) => console.log('stored', result.key);",
      '</script>',
      '',
      '<template>',
      `  <OssUploader token-url="/api/sts" :part-size="${PART_SIZE}" @success="stored" />`,
      '</template>',
      '',
    ].join('\n'),
    // Served as it is, not through Vite: the element from a sub-path, nothing else.
    'element.html': [
      '<!doctype html>',
      '<html lang="en">',
      '<head><meta charset="utf-8"><title>Element</title>',
      '<script type="module" src="/static/oss/oss-uploader-element.js"></script></head>',
      `<body><oss-uploader token-url="/api/sts" part-size="${PART_SIZE}"></oss-uploader></body>`,
      '</html>',
      '',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(appDir, name), text);
  await sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], appDir);
}

/** The app's dist, the element page, the element files under /static/oss/ and the package's token app at /api. */
async function serveSite(): Promise<{ url: string; close(): Promise<void> }> {
  const require = createRequire(join(appDir, 'package.json'));
  const server = (await import(pathToFileURL(require.resolve(`${PACKAGE}/server`)).href)) as typeof import('../../src/server/package');
  const elementDir = dirname(join(appDir, 'node_modules', PACKAGE, 'dist/element/oss-uploader-element.js'));
  const config = loadConfig({ PORT: '0', LOCAL_OSS_PORT: '0', DATA_DIR: join(temp, 'data'), BROWSER: 'none' }, { cwd: REPO_ROOT });
  if (config.oss.mode !== 'local') throw new Error('local OSS only');
  stack = await startStack(config, {});
  rootClient = new OSS({ ...config.oss.rootKey, bucket: config.bucket, region: config.region, endpoint: stack.ossUrl, sldEnable: true } as OSS.Options);
  const tokenApp = server.createTokenApp({
    assumeRole: server.createAssumeRole({ ...config.oss.rootKey, endpoint: stack.stsUrl, timeoutMs: 10_000 }),
    config: {
      ...server.loadTokenSettings({}),
      roleArn: config.roleArn,
      oss: server.localOssTarget({ url: stack.ossUrl, region: config.region, bucket: config.bucket }),
      cookieSecret: randomBytes(32).toString('base64url'),
    },
    logger: { info: () => undefined, warn: () => undefined },
  });
  const api = server.tokenRequestListener(tokenApp);
  const csp = contentSecurityPolicy({ uploadOrigins: [stack.ossUrl], hotReload: null });
  const roots: Array<[string, string]> = [
    ['/static/oss/', elementDir],
    ['/', join(appDir, 'dist')],
  ];
  const http: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.startsWith('/api/')) return void api(req, res);
    void (async () => {
      const file =
        path === '/element.html'
          ? join(appDir, 'element.html')
          : (() => {
              const [prefix, dir] = roots.find(([p]) => path.startsWith(p))!;
              const target = normalize(join(dir, path === '/' ? 'index.html' : path.slice(prefix.length)));
              return target.startsWith(dir + sep) ? target : null;
            })();
      const body = file && (await stat(file).catch(() => null))?.isFile() ? await readFile(file) : null;
      res.setHeader('Content-Security-Policy', csp);
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file!)] ?? 'application/octet-stream' }).end(body);
    })();
  });
  await new Promise<void>((done) => http.listen(0, 'localhost', done));
  return {
    url: `http://localhost:${(http.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        http.closeAllConnections();
        http.close(() => done());
      }),
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'package-consumer-'));
  appDir = join(temp, 'app');
  await mkdir(appDir);
  const tarball = await pack();
  await createConsumerApp(tarball);
  await sh(process.execPath, [join(appDir, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], appDir);
  site = await serveSite();
  browser = await chromium.launch(chromiumLaunchOptions());
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stack?.close();
  if (temp) await rm(temp, { recursive: true, force: true });
});

async function makeFile(name: string, size: number): Promise<{ path: string; md5: string }> {
  const bytes = randomBytes(size);
  const path = join(temp, name);
  await writeFile(path, bytes);
  return { path, md5: createHash('md5').update(bytes).digest('hex') };
}

async function storedMd5(key: string): Promise<string> {
  const { content } = await rootClient.get(key);
  return createHash('md5').update(content as Buffer).digest('hex');
}

function row(page: Page, name: string): Locator {
  return page.locator('.ou-list .ou-row', { has: page.locator('.ou-row__name', { hasText: name }) });
}

async function waitForState(page: Page, name: string, state: string): Promise<void> {
  await row(page, name).and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout: 120_000 });
}

async function storedKey(page: Page, name: string): Promise<string> {
  return ((await row(page, name).locator('.ou-row__key').textContent()) ?? '').replace(/^Stored as /, '');
}

/** Part uploads (PUT …?partNumber=) of one file that OSS accepted, and its InitiateMultipartUpload requests. */
function countUploads(page: Page, name: string): { parts: number; initiates: number } {
  const counts = { parts: 0, initiates: 0 };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.searchParams.has('uploads') && url.pathname.endsWith(`/${name}`)) counts.initiates += 1;
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.request().method() === 'PUT' && url.searchParams.has('partNumber') && url.pathname.endsWith(`/${name}`) && response.ok()) counts.parts += 1;
  });
  return counts;
}

/** Workers the page starts, by script URL. */
function recordWorkers(page: Page): string[] {
  const urls: string[] = [];
  page.on('worker', (worker) => urls.push(worker.url()));
  return urls;
}

describe('the packed package', () => {
  test('in a Vite + Vue app: a multipart upload interrupted by a reload resumes when the file is selected again, byte for byte', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const workers = recordWorkers(page);
    const name = 'consumer-resume.bin';
    const partCount = 12;
    const file = await makeFile(name, partCount * PART_SIZE);
    const before = countUploads(page, name);

    await page.goto(`${site.url}/`);
    await page.locator('.ou-drop__zone').waitFor();
    // The stylesheet import of the app was bundled into its CSS.
    expect(await page.evaluate(() => Array.from(document.styleSheets).some((sheet) => sheet.href !== null && /\.css$/.test(sheet.href)))).toBe(true);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * MiB });
    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await expect.poll(() => before.parts, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    expect(before.initiates).toBe(1);
    // Hashing ran in the component's worker (inlined in the package, started from a blob: URL).
    expect(workers.some((url) => url.startsWith('blob:'))).toBe(true);

    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.reload();
    await page.locator('.ou-drop__zone').waitFor();
    await expect.poll(() => page.locator('.ou-unfinished__item').count()).toBe(1);
    const after = countUploads(page, name);
    await page.locator('input[type=file]').first().setInputFiles(file.path);
    await waitForState(page, name, 'done');
    expect(after.initiates).toBe(0);
    expect(after.parts).toBeGreaterThan(0);
    expect(after.parts).toBeLessThan(partCount);
    expect(await storedMd5(await storedKey(page, name))).toBe(file.md5);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('<oss-uploader> loaded from /static/oss/ on a plain page hashes in its worker from /static/oss/ and uploads byte for byte', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const workers = recordWorkers(page);
    const scripts: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname.endsWith('.js')) scripts.push(`${url.pathname} ${response.status()}`);
    });
    const name = 'element-upload.bin';
    const file = await makeFile(name, 3 * PART_SIZE + 12_345);
    const uploads = countUploads(page, name);

    await page.goto(`${site.url}/element.html`);
    await page.locator('oss-uploader .ou-drop__zone').waitFor();
    await page.locator('oss-uploader input[type=file]').first().setInputFiles(file.path);
    await waitForState(page, name, 'done');
    expect(uploads.parts).toBe(4);
    expect(await storedMd5(await storedKey(page, name))).toBe(file.md5);

    // One module and its worker, both from the sub-path.
    const workerScripts = scripts.filter((entry) => /worker/.test(entry));
    expect(workerScripts).toHaveLength(1);
    expect(workerScripts[0]).toMatch(/^\/static\/oss\/[^/]*worker[^/]*\.js 200$/);
    expect(scripts.filter((entry) => !/worker/.test(entry))).toEqual(['/static/oss/oss-uploader-element.js 200']);
    expect(workers.map((url) => new URL(url).pathname)).toContain(workerScripts[0]!.split(' ')[0]);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a TypeScript file importing ., ./element, ./engine and ./server type-checks', async () => {
    const check = [
      "import { OssUploader, type UploadSuccessPayload } from 'oss-resumable-uploader';",
      "import { defineOssUploaderElement } from 'oss-resumable-uploader/element';",
      "import { createUploader, fetchTokenEndpoint, planParts, type Uploader } from 'oss-resumable-uploader/engine';",
      "import { createTokenApp, serveTokenApp, tokenRequestListener, type TokenAppDeps, type TokenServer } from 'oss-resumable-uploader/server';",
      '',
      'export const parts: number = planParts(10 * 1024 * 1024).parts.length;',
      'export const component: unknown = OssUploader;',
      'export const define: (tagName?: string) => void = defineOssUploaderElement;',
      "export const onSuccess = (result: UploadSuccessPayload): string => result.key;",
      "export const make = (): Promise<Uploader> => createUploader({ getCredentials: fetchTokenEndpoint('/api/sts'), parallel: 2 });",
      'export async function serve(deps: TokenAppDeps): Promise<number> {',
      "  const server: TokenServer = await serveTokenApp(createTokenApp({ ...deps, basePath: '/upload-api' }), { port: 0 });",
      '  tokenRequestListener(createTokenApp(deps));',
      '  return server.port;',
      '}',
      // Wrong uses must fail: the types are real, not `any`.
      '// @ts-expect-error basePath is a string',
      'export const wrongBase = (deps: TokenAppDeps) => createTokenApp({ ...deps, basePath: 42 });',
      '// @ts-expect-error planParts takes a size in bytes',
      "export const wrongPlan = planParts('big');",
      '',
    ].join('\n');
    await writeFile(join(appDir, 'check.ts'), check);
    await writeFile(
      join(appDir, 'tsconfig.check.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          // The consumer app has no @types/node of its own; the server entry's types need it.
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    await sh(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.check.json'], appDir);
  });

  test('./engine and ./server type-check for a Node project on NodeNext resolution', async () => {
    const dir = join(appDir, 'node-project');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'node-project', private: true, type: 'module' }));
    await writeFile(
      join(dir, 'server.ts'),
      [
        'import {',
        '  createAssumeRole, createRedisRateLimitStore, createTokenApp, cloudOssTarget, defaultCredentialSource,',
        '  loadTokenSettings, serveTokenApp, tokenRequestListener, type TokenAppDeps,',
        "} from 'oss-resumable-uploader/server';",
        "import { planParts } from 'oss-resumable-uploader/engine';",
        '// As docs/package.md shows it.',
        'export async function serve(): Promise<string> {',
        '  const settings = loadTokenSettings(process.env);',
        '  const app = createTokenApp({',
        "    assumeRole: createAssumeRole({ credentials: defaultCredentialSource(), endpoint: 'https://sts.aliyuncs.com', timeoutMs: settings.stsTimeoutMs }),",
        "    config: { ...settings, cookieSecret: settings.cookieSecret!, roleArn: 'acs:ram::1:role/oss-uploader', oss: cloudOssTarget({ region: 'cn-hangzhou', bucket: 'b' }) },",
        "    basePath: '/upload-api',",
        "    rateLimitStore: await createRedisRateLimitStore({ url: 'redis://localhost:6379' }),",
        '  });',
        '  tokenRequestListener(app);',
        "  return (await serveTokenApp(app, { port: 8787, host: '0.0.0.0' })).url;",
        '}',
        'export const parts: number = planParts(1024).parts.length;',
        // Only types that resolved through every file of the declarations reject these.
        '// @ts-expect-error basePath is a string',
        'export const wrongBase = (deps: TokenAppDeps) => createTokenApp({ ...deps, basePath: 42 });',
        '// @ts-expect-error the config needs a roleArn',
        "export const noRole = (deps: TokenAppDeps) => createTokenApp({ ...deps, config: { ...deps.config, roleArn: undefined } });",
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['server.ts'],
      }),
    );
    await sh(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
  });
});
