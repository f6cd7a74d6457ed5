import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EagerFlushWriteStream } from '../../../src/server/local-oss/storage/eager-flush-write-stream';

/** An in-memory file that logs what reaches it; `datasync` waits until the test lets it finish. */
class FakeFile {
  readonly log: string[] = [];
  readonly bytes: Buffer[] = [];
  /** Most bytes one writev takes (a short write beyond). */
  maxWrite = Infinity;
  syncs: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  closed = false;

  async writev(buffers: Buffer[]): Promise<{ bytesWritten: number; buffers: Buffer[] }> {
    const all = Buffer.concat(buffers);
    const taken = all.subarray(0, Math.min(all.length, this.maxWrite));
    this.bytes.push(Buffer.from(taken));
    this.log.push(`write ${taken.length}`);
    return { bytesWritten: taken.length, buffers };
  }

  datasync(): Promise<void> {
    this.log.push('datasync');
    return new Promise((resolve, reject) => this.syncs.push({ resolve, reject }));
  }

  async sync(): Promise<void> {
    this.log.push('sync');
  }

  async close(): Promise<void> {
    this.log.push('close');
    this.closed = true;
  }
}

function streamOn(file: FakeFile, syncEvery: number): EagerFlushWriteStream {
  return new EagerFlushWriteStream('unused', { syncEvery, open: async () => file as never });
}

function write(stream: EagerFlushWriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(chunk, (error) => (error ? reject(error) : resolve())));
}

/** Ends the stream and waits until its file is closed. */
function end(stream: EagerFlushWriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('close', () => resolve());
    stream.end();
  });
}

describe('EagerFlushWriteStream', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eager-flush-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a real file whole, however the chunks arrive', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(100_000 + i, i));
    const path = join(dir, 'body');
    await pipeline(Readable.from(chunks), new EagerFlushWriteStream(path, { syncEvery: 1024 * 1024 }));
    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('starts a datasync every syncEvery bytes without holding up the writes, and syncs once more at the end', async () => {
    const file = new FakeFile();
    const stream = streamOn(file, 1000);
    await write(stream, Buffer.alloc(600));
    expect(file.log).toEqual(['write 600']);
    await write(stream, Buffer.alloc(600));
    expect(file.log).toEqual(['write 600', 'write 600', 'datasync']);
    // Writes go on while that sync runs, and no second one starts meanwhile.
    await write(stream, Buffer.alloc(1500));
    expect(file.log).toEqual(['write 600', 'write 600', 'datasync', 'write 1500']);
    const ended = end(stream);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(file.log).not.toContain('sync'); // the end waits for the running datasync
    file.syncs[0]!.resolve();
    await ended;
    expect(file.log.slice(-2)).toEqual(['sync', 'close']);
  });

  it('fails the stream when a background datasync fails, and closes the file', async () => {
    const file = new FakeFile();
    const stream = streamOn(file, 10);
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    await write(stream, Buffer.alloc(20));
    file.syncs[0]!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    stream.write(Buffer.alloc(5));
    expect(await failed).toMatchObject({ code: 'EIO' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(file.closed).toBe(true);
    expect(file.log).not.toContain('sync');
  });

  it('fails with the write error (a full disk) and closes the file', async () => {
    const file = new FakeFile();
    file.writev = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const stream = streamOn(file, Infinity);
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.write(Buffer.alloc(10));
    expect(await failed).toMatchObject({ code: 'ENOSPC' });
    await closed;
    expect(file.closed).toBe(true);
    expect(file.log).not.toContain('sync');
  });

  it('continues a short write with the bytes that did not go out', async () => {
    const file = new FakeFile();
    file.maxWrite = 7;
    const stream = streamOn(file, Infinity);
    await write(stream, Buffer.from('abcdefghij'));
    await write(stream, Buffer.from('klmnopqrstuvwxyz'));
    await end(stream);
    expect(Buffer.concat(file.bytes).toString()).toBe('abcdefghijklmnopqrstuvwxyz');
  });

  it('closes the file only after a datasync that is still running, when destroyed', async () => {
    const file = new FakeFile();
    const stream = streamOn(file, 10);
    await write(stream, Buffer.alloc(20));
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(file.closed).toBe(false);
    file.syncs[0]!.resolve();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(file.closed).toBe(true);
  });
});
