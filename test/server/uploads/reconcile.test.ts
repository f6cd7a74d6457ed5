import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../../src/server/uploads';
import type { TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { callbackVarWithFileName } from '../../../src/shared/upload-callback';
import { CookieJar } from '../token/app-fixtures';
import { clientFor, multipartWithCallback, rootClient, startLocalUploadStack, tokenFor, type LocalUploadStack } from './local-stack';

// The callback server is down (every upload answers 203 CallbackFailed) and no browser confirms:
// the tab was closed. Listing the visitor's uploads reconciles its prefix in OSS, the source of
// truth. Small pages and caps here (2 keys a page, 2 pages and 3 HEADs a pass) to show the bounds.
let stack: LocalUploadStack;
let clockOffset = 0;
const INTERVAL_MS = 60_000;

beforeAll(async () => {
  stack = await startLocalUploadStack({
    callbackTimeoutMs: 2_000,
    now: () => Date.now() + clockOffset,
    reconcile: { intervalMs: INTERVAL_MS, pageSize: 2, maxPages: 2, maxHeads: 3 },
  });
  await stack.stopListening();
});
afterAll(async () => stack?.close());

/** The next list request starts a new pass. */
const nextInterval = (): void => {
  clockOffset += INTERVAL_MS + 1_000;
};

async function visitor(): Promise<{ jar: CookieJar; token: TokenResponse }> {
  const jar = new CookieJar();
  return { jar, token: await tokenFor(stack.app, jar) };
}

/** PutObject with the issued callback headers: stored, answered 203 CallbackFailed. */
async function putFailingCallback(token: TokenResponse, name: string, body: Buffer, headers: Record<string, string> = {}): Promise<void> {
  const failure = await clientFor(token)
    .put(`${token.prefix}${name}`, body, {
      headers: { 'x-oss-callback': token.callback!, 'x-oss-callback-var': callbackVarWithFileName(token.callbackVar!, name), ...headers },
    })
    .then(
      () => null,
      (error: { status?: number; code?: string }) => error,
    );
  expect(failure).toMatchObject({ status: 203, code: 'CallbackFailed' });
}

async function list(jar: CookieJar): Promise<UploadListResponse> {
  const response = await stack.app.request('http://localhost/api/uploads?limit=50', { headers: jar.header() });
  expect(response.status).toBe(200);
  return (await response.json()) as UploadListResponse;
}

describe('uploads whose callback failed and that nobody confirmed', () => {
  const alice = { jar: new CookieJar(), token: null as unknown as TokenResponse };
  const reportBody = randomBytes(150 * 1024);
  const photoBody = randomBytes(3000);

  it('appear in the visitor\'s list, with the stored facts, the name from Content-Disposition, and a working link', async () => {
    Object.assign(alice, await visitor());
    const failure = await multipartWithCallback(clientFor(alice.token), `${alice.token.prefix}report.pdf`, reportBody, 100 * 1024, {
      'x-oss-callback': alice.token.callback!,
      'x-oss-callback-var': callbackVarWithFileName(alice.token.callbackVar!, 'Report.pdf'),
    }).then(
      () => null,
      (error: { status?: number }) => error,
    );
    expect(failure).toMatchObject({ status: 203 });
    await putFailingCallback(alice.token, 'photo.jpg', photoBody, { 'Content-Disposition': attachmentDisposition('Photo été.jpg') });

    const page = await list(alice.jar);
    const byKey = new Map(page.uploads.map((upload) => [upload.key, upload]));
    expect([...byKey.keys()].sort()).toEqual([`${alice.token.prefix}photo.jpg`, `${alice.token.prefix}report.pdf`]);
    const photo = byKey.get(`${alice.token.prefix}photo.jpg`)!;
    expect(photo).toMatchObject({ name: 'Photo été.jpg', size: 3000, etag: createHash('md5').update(photoBody).digest('hex').toUpperCase() });
    // Without a Content-Disposition the name is the key's.
    expect(byKey.get(`${alice.token.prefix}report.pdf`)).toMatchObject({ name: 'report.pdf', size: reportBody.length });
    // createdAt is the object's Last-Modified, not the time of the pass.
    const stored = await rootClient(stack.oss).head(`${alice.token.prefix}photo.jpg`);
    const lastModified = Date.parse((stored.res.headers as Record<string, string>)['last-modified']!);
    expect(Math.abs(Date.parse(photo.createdAt) - lastModified)).toBeLessThan(1_000);
    const download = await fetch(byKey.get(`${alice.token.prefix}report.pdf`)!.downloadUrl);
    expect(Buffer.from(await download.arrayBuffer()).equals(reportBody)).toBe(true);
  });

  it('a late confirm finds the reconciled record and gives it the browser\'s name', async () => {
    const before = (await list(alice.jar)).uploads.find((u) => u.key.endsWith('/report.pdf'))!;
    const confirmed = await stack.app.request('http://localhost/api/uploads/confirm', {
      method: 'POST',
      headers: { ...alice.jar.header(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: before.key, name: 'Report.pdf' }),
    });
    expect(confirmed.status).toBe(200);
    const { upload } = (await confirmed.json()) as UploadCallbackAnswer;
    expect(upload).toMatchObject({ id: before.id, name: 'Report.pdf' });
  });

  it('another visitor\'s objects never appear, and it sees its own', async () => {
    const bob = await visitor();
    await putFailingCallback(bob.token, 'bob.bin', randomBytes(10));
    expect((await list(bob.jar)).uploads.map((u) => u.key)).toEqual([`${bob.token.prefix}bob.bin`]);
    nextInterval();
    const keys = (await list(alice.jar)).uploads.map((u) => u.key);
    expect(keys).toHaveLength(2);
    expect(keys.every((key) => key.startsWith(alice.token.prefix))).toBe(true);
  });

  it('a deleted record never comes back', async () => {
    const photo = (await list(alice.jar)).uploads.find((u) => u.key.endsWith('/photo.jpg'))!;
    const removed = await stack.app.request(`http://localhost/api/uploads/${photo.id}`, { method: 'DELETE', headers: alice.jar.header() });
    expect(removed.status).toBe(204);
    nextInterval();
    expect((await list(alice.jar)).uploads.map((u) => u.key)).toEqual([`${alice.token.prefix}report.pdf`]);
    nextInterval();
    expect((await list(alice.jar)).uploads.map((u) => u.id)).not.toContain(photo.id);
    expect(await stack.db.query('SELECT 1 FROM uploads WHERE object_key = $1', [photo.key]).then((r) => r.rows)).toEqual([]);
  });

  it('one pass per visitor per interval, each bounded (pages, HEADs), the next one continuing', async () => {
    const carol = await visitor();
    const names = ['a.bin', 'b.bin', 'c.bin', 'd.bin', 'e.bin'];
    for (const name of names) await putFailingCallback(carol.token, name, randomBytes(10));
    const recorded = async (): Promise<number> =>
      (await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM uploads WHERE object_key LIKE $1', [`${carol.token.prefix}%`])).rows[0]!.n;
    // 3 HEADs a pass: the first three keys.
    expect((await list(carol.jar)).uploads.map((u) => u.name).sort()).toEqual(['a.bin', 'b.bin', 'c.bin']);
    // Within the interval: no pass, the records as they are.
    const first = (await (await stack.app.request('http://localhost/api/uploads?limit=1', { headers: carol.jar.header() })).json()) as UploadListResponse;
    expect(await recorded()).toBe(3);
    // A later page (with a cursor) never starts a pass.
    nextInterval();
    const later = await stack.app.request(`http://localhost/api/uploads?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`, { headers: carol.jar.header() });
    expect(later.status).toBe(200);
    expect(await recorded()).toBe(3);
    // The next first page runs the next pass, which continues after c.bin.
    expect((await list(carol.jar)).uploads.map((u) => u.name).sort()).toEqual(names);
  });
});
