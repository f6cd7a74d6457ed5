import type { Crc64Hasher, PartTransport, Upload } from '../../../src/engine';
import { createXhrTransport } from '../../../src/engine/transfer/xhr-transport';

/** The last lines kept; enough to see how an upload got where it is. */
const KEPT = 200;
const lines: string[] = [];

/** A line in the page's trace, read by the bench's watchdog when a measurement does not end. */
export function trace(line: string): void {
  lines.push(`${performance.now().toFixed(0)} ms ${line}`);
  if (lines.length > KEPT) lines.splice(0, lines.length - KEPT);
}

/** Records every state change of `upload` (with bytes done and any error), and sampled progress. */
export function traceUpload(label: string, upload: Upload): void {
  let lastProgressLine = 0;
  upload.on('state', (s) => trace(`${label}: ${s.state}, ${s.progress.bytesUploaded} B${s.error ? `, ${s.error.code}: ${s.error.message}` : ''}`));
  upload.on('progress', (s) => {
    if (performance.now() - lastProgressLine < 5_000) return;
    lastProgressLine = performance.now();
    trace(`${label}: ${s.progress.bytesUploaded} B`);
  });
}

export function traceLines(): string[] {
  return [...lines];
}

/** A part's CRC-64 taking this long means its worker stalled and was replaced (see crc64.ts). */
const SLOW_HASH_MS = 10_000;
let slowHashes = 0;

/** Part hashes that took over 10 s since the page loaded. */
export function slowHashCount(): number {
  return slowHashes;
}

/** The engine's own XHR transport, each part's start and end traced. */
export function tracedTransport(label: string): PartTransport {
  const inner = createXhrTransport();
  return {
    put(params) {
      const part = new URL(params.url).searchParams.get('partNumber') ?? 'whole';
      trace(`${label}: part ${part} PUT starts`);
      return inner.put(params).then(
        (sent) => {
          trace(`${label}: part ${part} PUT ended`);
          return sent;
        },
        (err: unknown) => {
          trace(`${label}: part ${part} PUT failed: ${String(err)}`);
          throw err;
        },
      );
    },
  };
}

/** `hasher` with each part's CRC-64 traced. */
export function tracedHasher<H extends Crc64Hasher>(label: string, hasher: H): H {
  return {
    ...hasher,
    crc64(blob, signal) {
      trace(`${label}: CRC-64 of ${blob.size} B starts`);
      const started = performance.now();
      return hasher.crc64(blob, signal).then(
        (crc) => {
          const ms = performance.now() - started;
          trace(`${label}: CRC-64 of ${blob.size} B ended after ${ms.toFixed(0)} ms`);
          if (ms > SLOW_HASH_MS) slowHashes++;
          return crc;
        },
        (err: unknown) => {
          trace(`${label}: CRC-64 of ${blob.size} B failed: ${String(err)}`);
          throw err;
        },
      );
    },
  };
}
