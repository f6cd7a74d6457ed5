import type { BlobDigest, ListedPart, PlannedPart } from './contracts';
import type { EngineDeps } from './engine-deps';
import type { Session } from './upload-session';

/** Parts hashed at once: enough to keep both workers busy, few enough to leave room for parts being sent. */
const CONCURRENCY = 2;

export interface VerificationHooks {
  /** The part on the server has the local bytes; `crc64` is the local one. */
  onMatch(partNumber: number, crc64: string): void;
  /** The part on the server differs from the local bytes: send it again (its local CRC is known). */
  onMismatch(part: PlannedPart, crc64: string): void;
}

/**
 * Checks every unverified part of a resumed session against the local file, reading each part
 * once in the hashing workers as background jobs (so parts being sent get their CRCs first). The
 * server's CRC-64 is compared when ListParts gave one, else the part's MD5 with its ETag.
 * Rejects on the first read failure (e.g. the file changed on disk) or on abort.
 */
export async function verifyReusedParts(session: Session, file: File, deps: EngineDeps, signal: AbortSignal, hooks: VerificationHooks): Promise<void> {
  const planned = new Map(session.plan.parts.map((part) => [part.number, part]));
  const pending = [...session.unverified.values()].sort((a, b) => a.number - b.number);

  const worker = async (): Promise<void> => {
    for (let claim = pending.shift(); claim; claim = pending.shift()) {
      const part = planned.get(claim.number);
      if (!part) continue;
      const digest = await deps.hasher.digest(file.slice(part.start, part.end), { md5: claim.crc64 === undefined, background: true }, signal);
      signal.throwIfAborted();
      if (matches(claim, digest)) hooks.onMatch(part.number, digest.crc64);
      else hooks.onMismatch(part, digest.crc64);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
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
