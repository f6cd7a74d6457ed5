import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OSS from 'ali-oss';
import { failureOf, startHarness, type Harness } from './harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  await harness.client().put('conditions/a.txt', Buffer.from('hello'));
});

afterAll(async () => {
  await harness.dispose();
});

const MESSAGE = 'At least one of the pre-conditions you specified did not hold.';
const LAST_YEAR = new Date(Date.now() - 365 * 24 * 3600_000).toUTCString();

describe('412 PreconditionFailed names the condition, as OSS does', () => {
  it.each([
    ['If-Match', { 'If-Match': '"0123456789ABCDEF0123456789ABCDEF"' }],
    ['If-Unmodified-Since', { 'If-Unmodified-Since': LAST_YEAR }],
  ])('GET with a failing %s', async (condition, headers) => {
    const error = await failureOf(harness.client().get('conditions/a.txt', { headers }));
    expect(error).toMatchObject({ status: 412, code: 'PreconditionFailed', name: 'PreconditionFailedError' });
    // ali-oss appends the <Condition> element to the message.
    expect(error.message).toBe(`${MESSAGE} (condition: ${condition})`);
  });

  it('HEAD carries the same error, Condition included, in x-oss-err', async () => {
    const url = harness.client().signatureUrl('conditions/a.txt', { method: 'HEAD' } as unknown as OSS.SignatureUrlOptions);
    const response = await fetch(url, { method: 'HEAD', headers: { 'If-Unmodified-Since': LAST_YEAR } });
    expect(response.status).toBe(412);
    const xml = Buffer.from(response.headers.get('x-oss-err') ?? '', 'base64').toString('utf8');
    expect(xml).toContain(`<Message>${MESSAGE}</Message>`);
    expect(xml).toContain('<Condition>If-Unmodified-Since</Condition>');
  });
});
