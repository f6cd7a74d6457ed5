import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenErrorResponse, TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { callbackVarWithFileName } from '../../../src/shared/upload-callback';
import { CookieJar } from '../token/app-fixtures';
import { clientFor, multipartWithCallback, rootClient, startLocalUploadStack, tokenFor, type LocalUploadStack } from './local-stack';

// The callback server is down: OSS stores the object and answers 203 CallbackFailed. The browser
// then confirms the key; the server HEADs it under the visitor's prefix and records it.
let stack: LocalUploadStack;
let jar: CookieJar;
let token: TokenResponse;

beforeAll(async () => {
  stack = await startLocalUploadStack({ callbackTimeoutMs: 2_000 });
  jar = new CookieJar();
  token = await tokenFor(stack.app, jar);
  await stack.stopListening();
});
afterAll(async () => stack?.close());

async function confirm(body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }, from: CookieJar = jar): Promise<Response> {
  return await stack.app.request('http://localhost/api/uploads/confirm', { method: 'POST', headers: { ...from.header(), ...headers }, body: JSON.stringify(body) });
}

describe('callback server down', () => {
  it('Complete answers 203 CallbackFailed with the object stored; confirm records it and the link gives the bytes', async () => {
    const body = randomBytes(150 * 1024);
    const key = `${token.prefix}report.pdf`;
    const failure = await multipartWithCallback(clientFor(token), key, body, 100 * 1024, {
      'x-oss-callback': token.callback!,
      'x-oss-callback-var': callbackVarWithFileName(token.callbackVar!, 'Report.pdf'),
    }).then(
      () => null,
      (error: { status?: number; code?: string }) => error,
    );
    expect(failure).toMatchObject({ status: 203, code: 'CallbackFailed' });
    const stored = await rootClient(stack.oss).head(key);
    expect(Number((stored.res.headers as Record<string, string>)['content-length'])).toBe(body.length);

    const confirmed = await confirm({ key, name: 'Report.pdf' });
    expect(confirmed.status).toBe(200);
    const { upload } = (await confirmed.json()) as UploadCallbackAnswer;
    expect(upload).toMatchObject({ key, name: 'Report.pdf', size: body.length });

    // Confirming again (a retry) gives the same record.
    const again = (await (await confirm({ key, name: 'Report.pdf' })).json()) as UploadCallbackAnswer;
    expect(again.upload.id).toBe(upload.id);

    const page = (await (await stack.app.request('http://localhost/api/uploads', { headers: jar.header() })).json()) as UploadListResponse;
    expect(page.uploads.map((u) => u.id)).toEqual([upload.id]);
    const download = await fetch(page.uploads[0]!.downloadUrl);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
  });

  it('confirm refuses keys of other visitors (403), missing objects (404) and non-JSON bodies (415)', async () => {
    const other = new CookieJar();
    const otherToken = await tokenFor(stack.app, other);
    const response = await confirm({ key: `${token.prefix}report.pdf` }, undefined, other);
    expect(response.status).toBe(403);
    expect(((await response.json()) as TokenErrorResponse).error.code).toBe('InvalidKey');

    const missing = await confirm({ key: `${otherToken.prefix}never-uploaded.bin` }, undefined, other);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as TokenErrorResponse).error.code).toBe('ObjectNotFound');

    const form = await confirm({ key: `${token.prefix}report.pdf` }, { 'Content-Type': 'text/plain' });
    expect(form.status).toBe(415);
    expect(await confirm({ name: 'x' }).then((r) => r.status)).toBe(400);
  });
});
