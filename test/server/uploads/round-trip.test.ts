import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { callbackVarWithFileName } from '../../../src/shared/upload-callback';
import { CookieJar } from '../token/app-fixtures';
import { clientFor, multipartWithCallback, rootClient, startLocalUploadStack, tokenFor, type LocalUploadStack } from './local-stack';

// The whole round trip on the local stack: Complete (or PutObject) with the token's callback
// headers, the local OSS calls the callback route, the signature is verified, the object HEADed,
// the record made and handed back to the client; the list links download the same bytes.
let stack: LocalUploadStack;
let jar: CookieJar;
let token: TokenResponse;

beforeAll(async () => {
  stack = await startLocalUploadStack();
  jar = new CookieJar();
  token = await tokenFor(stack.app, jar);
});
afterAll(async () => stack?.close());

async function list(query = ''): Promise<UploadListResponse> {
  const response = await stack.app.request(`http://localhost/api/uploads${query}`, { headers: jar.header() });
  expect(response.status).toBe(200);
  return (await response.json()) as UploadListResponse;
}

describe('upload records through OSS callbacks (local stack)', () => {
  it('the token response carries the callback headers and the records URL', () => {
    expect(token.uploadsUrl).toBe('uploads');
    const callback = JSON.parse(Buffer.from(token.callback!, 'base64').toString('utf8')) as Record<string, string>;
    expect(callback.callbackUrl).toBe(`${stack.appUrl}/api/uploads/callback`);
    expect(callback.callbackBodyType).toBe('application/x-www-form-urlencoded');
    expect(callback.callbackBody).toContain('object=${object}');
    expect(callback.callbackBody).toContain(`uploader=${token.prefix.split('/')[1]}`);
    expect(JSON.parse(Buffer.from(token.callbackVar!, 'base64').toString('utf8'))).toEqual({ 'x:name': '' });
  });

  it('multipart: Complete answers with the record, listed with a link that downloads the same bytes', async () => {
    const body = randomBytes(2 * 100 * 1024 + 777);
    const name = 'Résumé "final" 简历.pdf';
    const key = `${token.prefix}resume.pdf`;
    const result = await multipartWithCallback(clientFor(token), key, body, 100 * 1024, {
      'x-oss-callback': token.callback!,
      'x-oss-callback-var': callbackVarWithFileName(token.callbackVar!, name),
    });
    expect(result.status).toBe(200);
    const { upload } = result.data as UploadCallbackAnswer;
    expect(upload).toMatchObject({ key, name, size: body.length, etag: result.etag.replace(/"/g, '') });
    expect(upload.crc64).toMatch(/^\d+$/);

    const page = await list();
    expect(page.uploads.map((u) => u.id)).toEqual([upload.id]);
    const download = await fetch(page.uploads[0]!.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="R_sum_ _final_ __.pdf"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
    expect(stack.logger.lines.some((line) => line.includes('uploads.recorded'))).toBe(true);
  });

  it('PutObject with the callback headers as issued: recorded under the key name, newest first', async () => {
    const body = randomBytes(5000);
    const key = `${token.prefix}notes.txt`;
    const result = (await clientFor(token).put(key, body, { headers: { 'x-oss-callback': token.callback!, 'x-oss-callback-var': token.callbackVar! } })) as unknown as {
      res: { status: number };
      data: UploadCallbackAnswer;
    };
    expect(result.res.status).toBe(200);
    expect(result.data.upload).toMatchObject({ key, name: 'notes.txt', size: 5000 });
    const page = await list();
    expect(page.uploads.map((u) => u.name)).toEqual(['notes.txt', 'Résumé "final" 简历.pdf']);
  });

  it('pages with a cursor', async () => {
    const first = await list('?limit=1');
    expect(first.uploads).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.uploads.map((u) => u.name)).toEqual(['Résumé "final" 简历.pdf']);
    expect(second.nextCursor).toBeNull();
  });

  it('another visitor sees none of them and cannot delete them', async () => {
    const other = new CookieJar();
    await tokenFor(stack.app, other);
    const response = await stack.app.request('http://localhost/api/uploads', { headers: other.header() });
    expect(((await response.json()) as UploadListResponse).uploads).toEqual([]);
    const [mine] = (await list()).uploads;
    const deleted = await stack.app.request(`http://localhost/api/uploads/${mine!.id}`, { method: 'DELETE', headers: other.header() });
    expect(deleted.status).toBe(404);
    await expect(rootClient(stack.oss).head(mine!.key)).resolves.toBeTruthy();
  });

  it('DELETE removes the object and the record', async () => {
    const [newest] = (await list()).uploads;
    const response = await stack.app.request(`http://localhost/api/uploads/${newest!.id}`, { method: 'DELETE', headers: jar.header() });
    expect(response.status).toBe(204);
    expect((await list()).uploads.map((u) => u.id)).not.toContain(newest!.id);
    await expect(rootClient(stack.oss).head(newest!.key)).rejects.toMatchObject({ status: 404 });
  });
});
