import type { BlobDigest, ListedPart, PlannedPart } from '../contracts';
import type { EngineDeps } from '../engine-deps';
import { partLength } from '../transfer/part-plan';
import type { Session } from './upload-session';

/** Runs hashed at once: enough to keep both workers busy, few enough to leave room for parts being sent. */
const CONCURRENCY = 2;
/**
 * Consecutive reused parts are read as one stream of up to this many bytes (a single part may be
 * larger): opening a stream costs about as much as reading several MiB, and a run still ends soon
 * enough for its results (and any part to send again) to come in steadily.
 */
const RUN_BYTES = 128 * 1024 * 1024;

export interface VerificationHooks {
  /** The part on the server has the local bytes; `crc64` is the local one. */
  onMatch(partNumber: number, crc64: string): void;
  /** The part on the server differs from the local bytes: send it again (its local CRC is known). */
  onMismatch(part: PlannedPart, crc64: string): void;
}

/** Reused parts that follow each other in the file, checked from one read. */
interface Run {
  parts: Array<{ claim: ListedPart; part: PlannedPart }>;
  /** Whether any of them is checked by MD5 (ListParts gave no CRC for it). */
  md5: boolean;
}

/**
 * Checks every unverified part of a resumed session against the local file, reading each byte
 * once in the hashing workers as background jobs (so parts being sent get their CRCs first).
 * Consecutive parts are read together. The server's CRC-64 is compared when ListParts gave one,
 * else the part's MD5 with its ETag. Rejects on the first read failure (e.g. the file changed on
 * disk) or on abort.
 */
export async function verifyReusedParts({
  session,
  file,
  deps,
  signal,
  hooks,
}: {
  session: Session;
  file: File;
  deps: Pick<EngineDeps, 'hasher'>;
  signal: AbortSignal;
  hooks: VerificationHooks;
}): Promise<void> {
  const pending = runsOf(session);

  const worker = async (): Promise<void> => {
    for (let run = pending.shift(); run; run = pending.shift()) {
      const first = run.parts[0]!.part;
      const last = run.parts[run.parts.length - 1]!.part;
      const spans = run.parts.map(({ part }) => partLength(part));
      const digests = await deps.hasher.digestSpans(file.slice(first.start, last.end), spans, { md5: run.md5, background: true }, signal);
      signal.throwIfAborted();
      run.parts.forEach(({ claim, part }, i) => {
        const digest = digests[i]!;
        if (matches(claim, digest)) hooks.onMatch(part.number, digest.crc64);
        else hooks.onMismatch(part, digest.crc64);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
}

/** The unverified parts, in file order, grouped into runs of adjacent parts of at most RUN_BYTES. */
function runsOf(session: Session): Run[] {
  const planned = new Map(session.plan.parts.map((part) => [part.number, part]));
  const claims = [...session.unverified.values()].sort((a, b) => a.number - b.number);
  const runs: Run[] = [];
  let current: Run | undefined;
  let bytes = 0;
  for (const claim of claims) {
    const part = planned.get(claim.number);
    if (!part) continue;
    const size = partLength(part);
    const previous = current?.parts[current.parts.length - 1]?.part;
    if (!current || !previous || previous.end !== part.start || bytes + size > RUN_BYTES) {
      current = { parts: [], md5: false };
      runs.push(current);
      bytes = 0;
    }
    current.parts.push({ claim, part });
    current.md5 ||= claim.crc64 === undefined;
    bytes += size;
  }
  return runs;
}

/**
 * An ETag that is not a plain MD5 (32 hex digits) cannot prove anything, so such a part counts as
 * different and is sent again: slower, never wrong.
 */
function matches(claim: ListedPart, local: BlobDigest): boolean {
  if (claim.crc64 !== undefined) return claim.crc64 === local.crc64;
  const etag = claim.etag.replace(/^"|"$/g, '');
  return local.md5 !== undefined && /^[0-9a-f]{32}$/i.test(etag) && etag.toUpperCase() === local.md5.toUpperCase();
}
