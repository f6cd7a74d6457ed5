import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKET, startHarness, type Harness } from './harness';

const APP_ORIGIN = 'http://localhost:5173';
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ corsAllowedOrigins: [APP_ORIGIN] });
});

afterAll(async () => {
  await harness.dispose();
});

function preflight(headers: Record<string, string>): Promise<Response> {
  return fetch(`${harness.oss.url}/${BUCKET}/uploads/video.mp4?partNumber=1&uploadId=X`, { method: 'OPTIONS', headers });
}

describe('CORS', () => {
  it('allows a preflight from a configured origin, unauthenticated, echoing the requested headers', async () => {
    const requested = 'authorization,content-type,x-oss-date,x-oss-security-token,x-oss-user-agent,x-oss-content-sha256';
    const response = await preflight({ Origin: APP_ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': requested });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(response.headers.get('access-control-allow-headers')).toBe(requested);
    for (const exposed of ['ETag', 'x-oss-request-id', 'x-oss-hash-crc64ecma']) {
      expect(response.headers.get('access-control-expose-headers')).toContain(exposed);
    }
    expect(response.headers.get('x-oss-request-id')).toMatch(/^[0-9A-F]{24}$/);
  });

  it('refuses a preflight from another origin with 403 AccessForbidden', async () => {
    const response = await preflight({ Origin: 'http://evil.example', 'Access-Control-Request-Method': 'PUT' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessForbidden</Code>');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a preflight for a method outside GET PUT POST DELETE HEAD', async () => {
    const response = await preflight({ Origin: APP_ORIGIN, 'Access-Control-Request-Method': 'PATCH' });
    expect(response.status).toBe(403);
  });

  it('answers a preflight without Origin or without a method with 400 BadRequest', async () => {
    for (const headers of [{ 'Access-Control-Request-Method': 'PUT' }, { Origin: APP_ORIGIN }] as Array<Record<string, string>>) {
      const response = await preflight(headers);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('<Code>BadRequest</Code>');
    }
  });

  it('puts CORS headers on error responses too, so browsers can read them', async () => {
    const response = await fetch(`${harness.oss.url}/${BUCKET}/missing.txt`, { headers: { Origin: APP_ORIGIN } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-expose-headers')).toContain('x-oss-request-id');
  });

  it('puts CORS headers on successful responses', async () => {
    const url = await harness.client().signatureUrl('cors/ok.txt', { method: 'PUT' });
    const response = await fetch(url, { method: 'PUT', body: Buffer.from('x'), headers: { Origin: APP_ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
  });
});
