import { request } from 'node:http';
import type { Harness } from './harness';

/**
 * PutObject through a presigned URL with exactly this Content-Type header (even an empty one or a
 * comma list, which ali-oss's `put` would not send as is). Other headers go along unsigned.
 */
export async function putTyped(harness: Harness, key: string, body: string, contentType: string, headers: Record<string, string> = {}): Promise<void> {
  const url = harness.client().signatureUrl(key, { method: 'PUT', 'Content-Type': contentType } as never);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
  if (status !== 200) throw new Error(`PUT ${key} answered ${status}`);
}
