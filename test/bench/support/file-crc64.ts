import { createReadStream } from 'node:fs';
import { createCRC64 } from 'hash-wasm';

/**
 * CRC-64/ECMA-182 (as OSS's `x-oss-hash-crc64ecma`) of a file on disk, as an unsigned decimal
 * string, read as a stream. Computed here, apart from the engine and the server, so a match with an
 * upload's result shows the stored object has the file's bytes.
 */
export async function crc64OfFile(path: string): Promise<string> {
  const crc = await createCRC64();
  for await (const chunk of createReadStream(path, { highWaterMark: 8 * 1024 * 1024 }) as AsyncIterable<Buffer>) crc.update(chunk);
  return BigInt(`0x${crc.digest('hex')}`).toString();
}
