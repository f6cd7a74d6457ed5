import { open } from 'node:fs/promises';
import { Agent, request, type IncomingMessage } from 'node:http';
import type OSS from 'ali-oss';

/** A finished part as the engine's checkpoint records it. */
export interface SeededPart {
  number: number;
  etag: string;
  crc64: string;
  size: number;
}

const CONCURRENCY = 8;

/**
 * Uploads parts 1..count of the file at `path` (each `partSize` bytes, read from the file) into an
 * existing multipart upload, through presigned URLs of the root client. This builds the server
 * state an interrupted browser upload leaves behind; it is set-up, not a measurement.
 */
export async function seedParts(root: OSS, key: string, uploadId: string, path: string, partSize: number, count: number): Promise<SeededPart[]> {
  const file = await open(path, 'r');
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const parts: SeededPart[] = new Array(count);
  let next = 1;
  const worker = async (): Promise<void> => {
    for (let number = next++; number <= count; number = next++) {
      const body = Buffer.allocUnsafe(partSize);
      const { bytesRead } = await file.read(body, 0, partSize, (number - 1) * partSize);
      const url = root.signatureUrl(key, { method: 'PUT', expires: 3600, subResource: { partNumber: number, uploadId } });
      const headers = await put(url, body.subarray(0, bytesRead), agent);
      parts[number - 1] = { number, etag: String(headers.etag), crc64: String(headers['x-oss-hash-crc64ecma']), size: bytesRead };
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
    await file.close();
  }
  return parts;
}

async function put(url: string, body: Buffer, agent: Agent): Promise<IncomingMessage['headers']> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, headers: { 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (piece: Buffer) => (text += String(piece)));
      res.on('end', () => (res.statusCode === 200 ? resolve(res.headers) : reject(new Error(`UploadPart answered ${res.statusCode}: ${text}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
