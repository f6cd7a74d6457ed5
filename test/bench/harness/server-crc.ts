import type { Crc64Hasher, PartTransport } from '../../../src/engine/contracts';

/**
 * A hasher that reads nothing, paired with the transport whose answers it repeats: the CRC-64 of a
 * part is the one the server answered for the same `Blob`. For the bench only, to measure what the
 * engine's end-to-end check (reading and hashing every part in the page) costs; the engine itself
 * always hashes what it sends.
 */
export function trustingServerCrc(inner: Crc64Hasher, transport: PartTransport): { hasher: Crc64Hasher; transport: PartTransport } {
  const answered = new WeakMap<Blob, { promise: Promise<string>; resolve: (crc: string) => void }>();
  const entryFor = (blob: Blob) => {
    let entry = answered.get(blob);
    if (!entry) {
      let resolve!: (crc: string) => void;
      const promise = new Promise<string>((done) => (resolve = done));
      entry = { promise, resolve };
      answered.set(blob, entry);
    }
    return entry;
  };
  return {
    hasher: { ...inner, crc64: (blob) => entryFor(blob).promise },
    transport: {
      async put(params) {
        const sent = await transport.put(params);
        if (sent.crc64 === null) throw new Error('the server answered without x-oss-hash-crc64ecma');
        entryFor(params.body).resolve(sent.crc64);
        return sent;
      },
    },
  };
}
