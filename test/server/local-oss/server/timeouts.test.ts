import { createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, failureOf, startHarness, type Harness } from './harness';

// Small limits so that each case takes about a second; the defaults are 30 s and 60 s.
const HEADERS_TIMEOUT_MS = 300;
const IDLE_TIMEOUT_MS = 300;
/** How long a test waits for a close that should come after about 300 ms (generous for a busy machine). */
const CLOSE_WITHIN_MS = 10_000;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ timeouts: { headersTimeoutMs: HEADERS_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS } });
});

afterAll(async () => {
  await harness.dispose();
});

interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves true when the server closed the connection within `ms`, false otherwise. */
  closedWithin(ms: number): Promise<boolean>;
}

async function rawConnection(port: number): Promise<RawConnection> {
  const socket = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    received: () => text,
    closedWithin: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
      const result = await Promise.race([closed.then(() => true as const), gaveUp]);
      clearTimeout(timer);
      socket.destroy();
      return result;
    },
  };
}

/** The request line and headers of a presigned PUT to `key`, for a body of `length` bytes. */
function signedPutHead(key: string, length: number): string {
  const url = new URL(harness.client().signatureUrl(key, { method: 'PUT', expires: 600 }));
  return `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${length}\r\n\r\n`;
}

function signedGetHead(key: string): string {
  const url = new URL(harness.client().signatureUrl(key, { method: 'GET', expires: 600 }));
  return `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`;
}

const tmpFiles = (): Promise<string[]> => readdir(join(harness.dataDir, 'tmp'));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('slow and silent clients', () => {
  it('closes a connection that sends half its headers and stops', async () => {
    const connection = await rawConnection(harness.oss.port);
    connection.socket.write('GET /test-bucket/some-key HTTP/1.1\r\nHost: localhost\r\nX-Half: ');
    expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
    // Whichever limit came first: the idle one closes silently, the header deadline with a 408.
    expect(connection.received()).toMatch(/^$|^HTTP\/1\.1 408 /);
  });

  it('answers 408 and closes a connection that trickles header lines, each within the idle limit (slowloris)', async () => {
    const connection = await rawConnection(harness.oss.port);
    connection.socket.write('GET /test-bucket/some-key HTTP/1.1\r\n');
    const drip = setInterval(() => connection.socket.write('X-Drip: 1\r\n'), IDLE_TIMEOUT_MS / 3);
    try {
      expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
    } finally {
      clearInterval(drip);
    }
    expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes the STS port to a slowloris too', async () => {
    const connection = await rawConnection(harness.oss.stsPort);
    connection.socket.write('POST / HTTP/1.1\r\nHost: localhost\r\n');
    expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
  });

  it('closes an STS request whose body stops arriving', async () => {
    const connection = await rawConnection(harness.oss.stsPort);
    connection.socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Assu');
    expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
    expect(connection.received()).toBe('');
  });

  it('answers an oversized STS body and closes the connection although the client keeps sending', async () => {
    const connection = await rawConnection(harness.oss.stsPort);
    connection.socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `${(4096).toString(16)}\r\n${'a'.repeat(4096)}\r\n`;
    const flood = setInterval(() => connection.socket.write(chunk), IDLE_TIMEOUT_MS / 6);
    try {
      expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
    } finally {
      clearInterval(flood);
    }
    expect(connection.received()).toMatch(/^HTTP\/1\.1 413 [^]*RequestTooLarge/);
  });

  it('closes a PutObject whose body stalls, removes the partial body and creates no object', async () => {
    const key = 'timeouts/stalled.bin';
    const connection = await rawConnection(harness.oss.port);
    connection.socket.write(signedPutHead(key, 1024 * 1024));
    connection.socket.write(bytes(64 * 1024));
    // The body is being received: its temp file exists.
    await expect.poll(async () => (await tmpFiles()).some((name) => name.endsWith('.part')), { timeout: CLOSE_WITHIN_MS }).toBe(true);
    expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
    await expect.poll(tmpFiles, { timeout: CLOSE_WITHIN_MS }).toEqual([]);
    expect(await failureOf(harness.client().head(key))).toMatchObject({ status: 404 });
  });

  it('closes an UploadPart whose body stalls and keeps the upload without that part', async () => {
    const client = harness.client();
    const key = 'timeouts/stalled-part.bin';
    const { uploadId } = await client.initMultipartUpload(key);
    const url = new URL(client.signatureUrl(key, { method: 'PUT', expires: 600, subResource: { partNumber: 1, uploadId } } as never));
    const connection = await rawConnection(harness.oss.port);
    connection.socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 500000\r\n\r\n`);
    connection.socket.write(bytes(10_000));
    expect(await connection.closedWithin(CLOSE_WITHIN_MS)).toBe(true);
    await expect.poll(tmpFiles, { timeout: CLOSE_WITHIN_MS }).toEqual([]);
    const parts = (await client.listParts(key, uploadId)) as unknown as { parts?: unknown };
    expect(parts.parts ?? []).toEqual([]);
    await client.abortMultipartUpload(key, uploadId);
  });

  it('never cuts a body that arrives slowly but steadily, for many times the idle limit', async () => {
    const key = 'timeouts/slow-but-steady.bin';
    const chunk = bytes(1000, 7);
    const chunks = Math.ceil((4 * IDLE_TIMEOUT_MS) / 100) + 1;
    const connection = await rawConnection(harness.oss.port);
    connection.socket.write(signedPutHead(key, chunks * chunk.length));
    for (let sent = 0; sent < chunks; sent++) {
      await sleep(100);
      connection.socket.write(chunk);
    }
    await expect.poll(() => connection.received(), { timeout: CLOSE_WITHIN_MS }).toMatch(/^HTTP\/1\.1 200 /);
    connection.socket.destroy();
    const got = await harness.client().get(key);
    expect((got.content as Buffer).length).toBe(chunks * chunk.length);
  });

  describe('a large GET', () => {
    // Larger than what loopback socket buffers absorb, so the server really waits for the reader.
    const size = 32 * 1024 * 1024;
    const key = 'timeouts/large.bin';

    beforeAll(async () => {
      await harness.client().put(key, Buffer.alloc(size, 1));
    });

    it('is cut when its client stops reading', async () => {
      const socket = connect({ port: harness.oss.port, host: '127.0.0.1' });
      let received = 0;
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      let stopped = false;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // Stop reading at the first chunk, not after a poll: loopback can carry the whole body within one poll interval.
        if (!stopped) {
          stopped = true;
          socket.pause();
        }
      });
      socket.write(signedGetHead(key));
      await expect.poll(() => stopped, { timeout: CLOSE_WITHIN_MS }).toBe(true);
      // A paused socket does not see the server's close; it reads what the kernel buffered, then the end.
      await sleep(5 * IDLE_TIMEOUT_MS);
      socket.resume();
      await expect.poll(() => closed, { timeout: CLOSE_WITHIN_MS }).toBe(true);
      expect(received).toBeLessThan(size);
    });

    it('is delivered whole to a client that reads slowly but steadily', async () => {
      const socket = connect({ port: harness.oss.port, host: '127.0.0.1' });
      let received = 0;
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        // A burst, then a pause well under the idle limit: about 1 MiB per 100 ms.
        if (received % (1024 * 1024) < chunk.length) {
          socket.pause();
          setTimeout(() => socket.resume(), 100);
        }
      });
      socket.write(signedGetHead(key));
      // Headers plus the body: done once more than `size` bytes came.
      await expect.poll(() => received > size || closed, { timeout: 60_000, interval: 100 }).toBe(true);
      expect(closed).toBe(false);
      socket.destroy();
    });
  });
});

describe('a server slower than the idle limit', () => {
  /** A disk that takes twice the idle limit per write and three times it to flush at the end. */
  function slowDisk(path: string): Writable {
    const file = createWriteStream(path);
    return new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        setTimeout(() => file.write(chunk, callback), 2 * IDLE_TIMEOUT_MS);
      },
      final(callback) {
        setTimeout(() => file.end(callback), 3 * IDLE_TIMEOUT_MS);
      },
      destroy(error, callback) {
        file.destroy();
        callback(error);
      },
    });
  }

  it('does not count its own pauses against the client', async () => {
    const slow = await startHarness({ timeouts: { headersTimeoutMs: HEADERS_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS }, storage: { createWriteStream: slowDisk } });
    try {
      const body = bytes(200_000, 9);
      const put = await slow.client().put('timeouts/slow-disk.bin', body, { timeout: 60_000 });
      expect(put.res.status).toBe(200);
    } finally {
      await slow.dispose();
    }
  });
});
