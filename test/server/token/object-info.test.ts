import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createAssumeRole } from '../../../src/server/token/assume-role';
import { createObjectInspector, ObjectHeadError } from '../../../src/server/token/object-info';
import { cloudOssTarget } from '../../../src/server/token/oss-target';
import { ROLE_ARN } from './app-fixtures';
import { issuing, recordingStsHandler, ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET, STS_URL, type AssumeRoleCall } from './sts-fake';

// msw stands in for Alibaba Cloud (STS and the bucket's public endpoint), which cannot be reached here:
// the HEAD the endpoint sends to real OSS, signed by ali-oss with the read-only credentials.
const OSS_HOST = 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com';
const KEY = 'uploads/alice/holiday video + é.mp4';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let calls: AssumeRoleCall[];
let heads: Request[];
beforeEach(() => {
  calls = [];
  heads = [];
  server.use(recordingStsHandler(calls, issuing(() => new Date(Date.now() + 15 * 60_000))));
});

const inspect = createObjectInspector({
  assumeRole: createAssumeRole({ accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, endpoint: STS_URL, timeoutMs: 5_000 }),
  roleArn: ROLE_ARN,
  oss: cloudOssTarget({ region: 'cn-hangzhou', bucket: 'examplebucket' }),
  keyPrefix: 'uploads/',
});

function ossAnswers(answer: () => Response): void {
  server.use(
    http.head(`${OSS_HOST}/*`, ({ request }) => {
      heads.push(request.clone());
      return answer();
    }),
  );
}

describe('createObjectInspector against Alibaba Cloud (msw)', () => {
  it('HEADs the key on the bucket endpoint over https, signed with the read-only STS credentials', async () => {
    ossAnswers(() => new HttpResponse(null, { status: 200, headers: { 'Content-Length': '4294967296', 'x-oss-hash-crc64ecma': '5087502491959609639', ETag: '"9B2C-128"' } }));
    await expect(inspect('alice', KEY)).resolves.toEqual({ exists: true, size: 4294967296, crc64: '5087502491959609639', etag: '"9B2C-128"' });

    expect(heads).toHaveLength(1);
    const head = heads[0]!;
    expect(decodeURIComponent(new URL(head.url).pathname)).toBe(`/${KEY}`);
    expect(head.headers.get('authorization')).toMatch(/^OSS STS\.issuedKey1:/);
    expect(head.headers.get('x-oss-security-token')).toMatch(/^CAIStoken1-/);
    expect(calls[0]!.policy).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:examplebucket/uploads/alice/*'] }],
    });
  });

  it('answers exists: false on 404', async () => {
    ossAnswers(() => new HttpResponse(null, { status: 404, headers: { 'x-oss-request-id': 'R404' } }));
    await expect(inspect('alice', KEY)).resolves.toEqual({ exists: false });
  });

  it('fails with ObjectHeadError when OSS refuses (a role without oss:GetObject)', async () => {
    ossAnswers(() => new HttpResponse(null, { status: 403, headers: { 'x-oss-request-id': 'R403' } }));
    await expect(inspect('alice', KEY)).rejects.toBeInstanceOf(ObjectHeadError);
  });

  it('fails with ObjectHeadError when OSS cannot be reached', async () => {
    ossAnswers(() => HttpResponse.error());
    await expect(inspect('alice', KEY)).rejects.toBeInstanceOf(ObjectHeadError);
  });
});
