import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssumeRoleRequest } from '../../../src/server/token/assume-role';
import type { TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { callbackVarWithFileName } from '../../../src/shared/upload-callback';
import { CookieJar } from '../token/app-fixtures';
import { clientFor, credentialsLike, startLocalUploadStack, tokenFor, type LocalUploadStack } from './local-stack';

// The server reads a visitor's objects (the callback's and confirm's HEAD, the list's ListObjects and
// download links, GET /api/object) with one read credential per visitor prefix: N callbacks cost one
// AssumeRole, not N. Counted on the way to the real local STS, whose policy engine then shows what
// those credentials may do.
let stack: LocalUploadStack;
let clockOffset = 0;

beforeAll(async () => {
  stack = await startLocalUploadStack({ now: () => Date.now() + clockOffset });
});
afterAll(async () => stack?.close());

const subjectOf = (token: TokenResponse): string => token.prefix.split('/')[1]!;
/** The AssumeRoles for server-side reads (every policy but the upload token's, which puts). */
const readCalls = (subject?: string): AssumeRoleRequest[] =>
  stack.assumeRoleCalls.filter(
    (call) =>
      JSON.stringify(call.policy).includes('oss:GetObject') &&
      !JSON.stringify(call.policy).includes('oss:PutObject') &&
      (subject === undefined || call.sessionName === `u-${subject}`.slice(0, 32)),
  );

async function putWithCallback(token: TokenResponse, name: string): Promise<UploadCallbackAnswer> {
  const result = (await clientFor(token).put(`${token.prefix}${name}`, randomBytes(2000), {
    headers: { 'x-oss-callback': token.callback!, 'x-oss-callback-var': callbackVarWithFileName(token.callbackVar!, name) },
  })) as unknown as { res: { status: number }; data: UploadCallbackAnswer };
  expect(result.res.status).toBe(200);
  return result.data;
}

async function list(jar: CookieJar): Promise<UploadListResponse> {
  const response = await stack.app.request('http://localhost/api/uploads?limit=50', { headers: jar.header() });
  expect(response.status).toBe(200);
  return (await response.json()) as UploadListResponse;
}

describe('one read credential per visitor prefix', () => {
  const alice = new CookieJar();
  const bob = new CookieJar();
  let aliceToken: TokenResponse;
  let bobToken: TokenResponse;

  it('eight concurrent callbacks for one visitor, its list, a confirm and GET /api/object: one AssumeRole', async () => {
    aliceToken = await tokenFor(stack.app, alice);
    const names = Array.from({ length: 8 }, (_, i) => `file-${i}.bin`);
    const answers = await Promise.all(names.map((name) => putWithCallback(aliceToken, name)));
    expect(answers.map((answer) => answer.upload.name).sort()).toEqual([...names].sort());
    expect(readCalls(subjectOf(aliceToken))).toHaveLength(1);

    const page = await list(alice);
    expect(page.uploads).toHaveLength(8);
    const confirmed = await stack.app.request('http://localhost/api/uploads/confirm', {
      method: 'POST',
      headers: { ...alice.header(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: `${aliceToken.prefix}file-0.bin`, name: 'file-0.bin' }),
    });
    expect(confirmed.status).toBe(200);
    const info = await stack.app.request(`http://localhost/api/object?key=${encodeURIComponent(`${aliceToken.prefix}file-1.bin`)}`, { headers: alice.header() });
    expect(await info.json()).toMatchObject({ exists: true, size: 2000 });
    expect(readCalls(subjectOf(aliceToken))).toHaveLength(1);
  });

  it('a second visitor gets a credential of its own: two in all', async () => {
    bobToken = await tokenFor(stack.app, bob);
    await putWithCallback(bobToken, 'bob.txt');
    await putWithCallback(bobToken, 'bob-2.txt');
    expect(readCalls(subjectOf(bobToken))).toHaveLength(1);
    expect(readCalls()).toHaveLength(2);
  });

  it('the policy sent is prefix-scoped and least-privilege, and the local OSS enforces it so', async () => {
    const [call] = readCalls(subjectOf(aliceToken));
    const prefix = aliceToken.prefix;
    expect(call!.policy).toEqual({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:examplebucket/${prefix}*`] },
        { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: ['acs:oss:*:*:examplebucket'], Condition: { StringLike: { 'oss:Prefix': [`${prefix}*`] } } },
      ],
    });
    expect(call!.durationSeconds).toBe(900);

    const client = await credentialsLike(stack.oss, call!);
    const statusOf = (work: Promise<unknown>): Promise<number> => work.then(
      () => 200,
      (error: { status?: number }) => error.status ?? 0,
    );
    expect(await statusOf(client.head(`${prefix}file-0.bin`))).toBe(200);
    expect(await statusOf(client.list({ prefix, 'max-keys': 10 }, {}))).toBe(200);
    // Not another visitor's objects, not the whole bucket, no writes, no deletes.
    expect(await statusOf(client.head(`${bobToken.prefix}bob.txt`))).toBe(403);
    expect(await statusOf(client.list({ prefix: bobToken.prefix, 'max-keys': 10 }, {}))).toBe(403);
    expect(await statusOf(client.list({ 'max-keys': 10 }, {}))).toBe(403);
    expect(await statusOf(client.put(`${prefix}new.bin`, Buffer.from('x')))).toBe(403);
    expect(await statusOf(client.delete(`${prefix}file-0.bin`))).toBe(403);
  });

  it('a credential close to expiry is renewed, and the new one is reused', async () => {
    const before = readCalls(subjectOf(aliceToken)).length;
    // 900 s credentials are not used with less than 360 s left (a 300 s download link plus a minute):
    // 600 s later, the first one has 300 s left. (The local STS keeps real time, so the clock moves
    // back before the renewed one is used again.)
    clockOffset = 600_000;
    await putWithCallback(aliceToken, 'late-1.bin');
    expect(readCalls(subjectOf(aliceToken))).toHaveLength(before + 1);
    clockOffset = 0;
    await putWithCallback(aliceToken, 'late-2.bin');
    const page = await list(alice);
    // A link signed with the renewed credential works.
    expect((await fetch(page.uploads.find((u) => u.name === 'late-2.bin')!.downloadUrl)).status).toBe(200);
    expect(readCalls(subjectOf(aliceToken))).toHaveLength(before + 1);
  });
});
