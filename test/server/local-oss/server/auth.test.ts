import { createHmac } from 'node:crypto';
import OSS from 'ali-oss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, ROLE_ARN, ROOT_ID, ROOT_SECRET, failureOf, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.dispose();
});

/** Upload, resume and list under one prefix: the session policy the token endpoint hands out. */
const PREFIX_POLICY = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject', 'oss:ListParts', 'oss:AbortMultipartUpload'], Resource: [`acs:oss:*:*:${BUCKET}/uploads/a/*`] },
    { Effect: 'Allow', Action: ['oss:ListObjects'], Resource: [`acs:oss:*:*:${BUCKET}`], Condition: { StringLike: { 'oss:Prefix': ['uploads/a/*'] } } },
  ],
};

interface Credentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}

async function assumeRole(policy: object = PREFIX_POLICY, durationSeconds = 900): Promise<Credentials> {
  const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: ROOT_SECRET, endpoint: harness.oss.stsUrl } as never);
  const result = await sts.assumeRole(ROLE_ARN, policy, durationSeconds, 'user-a');
  return result.credentials as unknown as Credentials;
}

function stsClient(credentials: Credentials, options: Partial<OSS.Options> & { authorizationV4?: boolean } = {}): OSS {
  return harness.client({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret, stsToken: credentials.SecurityToken, ...options });
}

/** ali-oss keeps its clock correction in `options.amendTimeSkewed` (not in its typings). */
function clientOptions(client: OSS): { amendTimeSkewed: number } {
  return (client as unknown as { options: { amendTimeSkewed: number } }).options;
}

describe('authentication', () => {
  it('denies anonymous requests with AccessDenied', async () => {
    const response = await fetch(`${harness.oss.url}/${BUCKET}/anything.txt`);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  it.each([
    ['V1', false],
    ['V4', true],
  ])('rejects a wrong secret with SignatureDoesNotMatch (%s)', async (_mode, authorizationV4) => {
    const client = harness.client({ accessKeySecret: 'not-the-secret', authorizationV4 });
    expect(await failureOf(client.put('x.txt', Buffer.from('x')))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
  });

  it('rejects an unknown access key with InvalidAccessKeyId', async () => {
    const client = harness.client({ accessKeyId: 'LTAIunknown' });
    expect(await failureOf(client.head('x.txt'))).toMatchObject({ status: 403 });
    expect(await failureOf(client.get('x.txt'))).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
  });

  it('answers a request dated 20 minutes off with RequestTimeTooSkewed and a ServerTime a client can adopt', async () => {
    harness.clock.offsetMs = 20 * 60 * 1000;
    try {
      const date = new Date().toUTCString();
      const signature = createHmac('sha1', ROOT_SECRET).update(`GET\n\n\n${date}\n/${BUCKET}/skew.txt`).digest('base64');
      const response = await fetch(`${harness.oss.url}/${BUCKET}/skew.txt`, { headers: { 'x-oss-date': date, Authorization: `OSS ${ROOT_ID}:${signature}` } });
      const body = await response.text();
      expect(response.status).toBe(403);
      expect(body).toContain('<Code>RequestTimeTooSkewed</Code>');

      // The browser build of ali-oss adopts <ServerTime> by itself; the Node build only fails, so adopt it here.
      const serverTime = Date.parse(/<ServerTime>([^<]+)<\/ServerTime>/.exec(body)?.[1] ?? '');
      const client = harness.client();
      expect(await failureOf(client.put('skew.txt', Buffer.from('late clock')))).toMatchObject({ code: 'RequestTimeTooSkewed', status: 403 });
      clientOptions(client).amendTimeSkewed = serverTime - Date.now();
      expect((await client.put('skew.txt', Buffer.from('late clock'))).res.status).toBe(200);
    } finally {
      harness.clock.offsetMs = 0;
    }
  });
});

describe('presigned URLs', () => {
  it('accepts V1 presigned PUT and GET made by signatureUrl', async () => {
    const client = harness.client();
    const putUrl = await client.signatureUrl('presigned/v1.txt', { method: 'PUT', 'Content-Type': 'text/plain' });
    expect((await fetch(putUrl, { method: 'PUT', body: 'signed body', headers: { 'Content-Type': 'text/plain' } })).status).toBe(200);
    const response = await fetch(await client.signatureUrl('presigned/v1.txt'));
    expect(await response.text()).toBe('signed body');
  });

  it('rejects an expired V1 presigned URL with AccessDenied', async () => {
    const url = await harness.client().signatureUrl('presigned/v1.txt', { expires: 60 });
    harness.clock.offsetMs = 10 * 60 * 1000;
    try {
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    } finally {
      harness.clock.offsetMs = 0;
    }
  });

  it('accepts a V4 presigned part upload made by signatureUrlV4', async () => {
    const client = harness.client({ authorizationV4: true });
    const { uploadId } = await client.initMultipartUpload('presigned/v4.bin');
    const url = await client.signatureUrlV4('PUT', 600, { headers: {}, queries: { partNumber: 1, uploadId } }, 'presigned/v4.bin');
    const response = await fetch(url, { method: 'PUT', body: Buffer.from('v4 part') });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^"[0-9A-F]{32}"$/);
  });

  it('rejects a tampered presigned URL with SignatureDoesNotMatch', async () => {
    const url = new URL(await harness.client().signatureUrl('presigned/v1.txt'));
    url.pathname = url.pathname.replace('v1.txt', 'v2.txt');
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('STS credentials from the local STS', () => {
  it.each([
    ['V1', false],
    ['V4', true],
  ])('allow inside the session-policy prefix and deny outside it (%s)', async (_mode, authorizationV4) => {
    const credentials = await assumeRole();
    expect(credentials.AccessKeyId).toMatch(/^STS\./);
    const client = stsClient(credentials, { authorizationV4 });
    expect((await client.put('uploads/a/inside.txt', Buffer.from('ok'))).res.status).toBe(200);
    const { uploadId } = await client.initMultipartUpload('uploads/a/big.bin');
    await client.uploadPart('uploads/a/big.bin', uploadId, 1, Buffer.from('part'), 0, 4);
    expect((await client.list({ prefix: 'uploads/a/', 'max-keys': 10 }, {})).objects.map((object) => object.name)).toContain('uploads/a/inside.txt');

    expect(await failureOf(client.put('uploads/b/outside.txt', Buffer.from('no')))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(await failureOf(client.put('elsewhere.txt', Buffer.from('no')))).toMatchObject({ code: 'AccessDenied' });
    expect(await failureOf(client.list({ prefix: 'uploads/', 'max-keys': 10 }, {}))).toMatchObject({ code: 'AccessDenied' });
    expect(await failureOf(client.delete('uploads/a/inside.txt'))).toMatchObject({ code: 'AccessDenied' });
  });

  it('carry the token in presigned URLs', async () => {
    const client = stsClient(await assumeRole());
    const url = await client.signatureUrl('uploads/a/presigned.txt', { method: 'PUT' });
    expect(url).toContain('security-token=');
    expect((await fetch(url, { method: 'PUT', body: Buffer.from('via url') })).status).toBe(200);
  });

  it('reject a tampered security token', async () => {
    const credentials = await assumeRole();
    const tampered = { ...credentials, SecurityToken: credentials.SecurityToken.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')) };
    const error = await failureOf(stsClient(tampered).put('uploads/a/tampered.txt', Buffer.from('x')));
    expect(error.status).toBe(403);
    expect(['InvalidSecurityToken', 'AccessKeyIdAndSecurityTokenNotMatch']).toContain(error.code);
  });

  it('reject an STS access key sent without its token', async () => {
    const credentials = await assumeRole();
    const client = harness.client({ accessKeyId: credentials.AccessKeyId, accessKeySecret: credentials.AccessKeySecret });
    expect(await failureOf(client.put('uploads/a/no-token.txt', Buffer.from('x')))).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
  });

  it('expire with the clock: SecurityTokenExpired after the token lifetime', async () => {
    const client = stsClient(await assumeRole(PREFIX_POLICY, 900));
    harness.clock.offsetMs = 16 * 60 * 1000;
    clientOptions(client).amendTimeSkewed = harness.clock.offsetMs;
    try {
      expect(await failureOf(client.put('uploads/a/late.txt', Buffer.from('x')))).toMatchObject({ code: 'SecurityTokenExpired', status: 403 });
    } finally {
      harness.clock.offsetMs = 0;
    }
  });

  it('are refused by AssumeRole for a wrong root secret', async () => {
    const sts = new OSS.STS({ accessKeyId: ROOT_ID, accessKeySecret: 'wrong', endpoint: harness.oss.stsUrl } as never);
    const error = await failureOf(sts.assumeRole(ROLE_ARN, PREFIX_POLICY, 900, 'user-a'));
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.code).toBe('SignatureDoesNotMatch');
  });
});

