// @ts-check
/**
 * Worker thread that hashes request bodies (MD5 for the ETag, CRC-64/XZ for x-oss-hash-crc64ecma)
 * for HashPool, so that the server's main thread only moves bytes between socket and disk.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit a TypeScript loader in every host
 * (tsx, Vitest, a built server), and this file must start the same in all of them. The message
 * shapes are declared in hash-pool.ts, the only sender.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { createCRC64 } from 'hash-wasm';

if (!parentPort) throw new Error('hash-worker.mjs runs only as a worker thread');
const port = parentPort;

/** @type {Map<number, { md5: import('node:crypto').Hash, crc64: Promise<import('hash-wasm').IHasher> }>} */
const sessions = new Map();
/**
 * CRC-64 instances of ended sessions, for the next ones: each is a WebAssembly instance with its
 * own memory, too costly to leave to the garbage collector once per request.
 * @type {import('hash-wasm').IHasher[]}
 */
const idleCrc64 = [];

/** @returns {Promise<import('hash-wasm').IHasher>} */
function takeCrc64() {
  const idle = idleCrc64.pop();
  return idle ? Promise.resolve(idle.init()) : createCRC64();
}

/** Back to the idle list once every update queued on it has run (they run in order). */
function giveBack(/** @type {Promise<import('hash-wasm').IHasher>} */ crc64) {
  crc64.then((hasher) => idleCrc64.push(hasher), () => undefined);
}

port.on('message', (/** @type {{ type: 'open' | 'data' | 'end' | 'drop', id: number, buffer?: ArrayBuffer, length?: number }} */ message) => {
  const { type, id } = message;
  if (type === 'open') {
    // hash-wasm instantiates asynchronously; data for this session waits on the promise, in order.
    sessions.set(id, { md5: createHash('md5'), crc64: takeCrc64() });
    return;
  }
  const session = sessions.get(id);
  if (!session) {
    if (type !== 'drop') port.postMessage({ type: 'error', id, message: `no hashing session ${id}` });
    return;
  }
  if (type === 'drop') {
    sessions.delete(id);
    giveBack(session.crc64);
    return;
  }
  if (type === 'data') {
    const buffer = /** @type {ArrayBuffer} */ (message.buffer);
    const bytes = new Uint8Array(buffer, 0, message.length);
    session.md5.update(bytes);
    session.crc64.then((crc64) => {
      crc64.update(bytes);
      // The batch goes back to be refilled: no garbage per MiB on either side.
      port.postMessage({ type: 'ack', id, buffer }, [buffer]);
    }, (error) => fail(id, error));
    return;
  }
  sessions.delete(id);
  const md5 = session.md5.digest();
  session.crc64.then((crc64) => {
    port.postMessage({ type: 'done', id, md5: md5.buffer.slice(md5.byteOffset, md5.byteOffset + md5.length), crc64Hex: crc64.digest('hex') });
  }, (error) => fail(id, error));
  giveBack(session.crc64);
});

/** @param {number} id @param {unknown} error */
function fail(id, error) {
  sessions.delete(id);
  port.postMessage({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
}
