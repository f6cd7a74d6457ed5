import type { DonePart } from './types';
import { withDoneParts, type Session } from './upload-session';

/**
 * A resumed session settled by ListParts, plus the parts this page sent while the list was being
 * read. Those parts count as done whatever the list says: the server accepted each PUT (so the
 * upload was alive), and a page of the list may have been read before a part landed. Their CRC
 * was computed here, so they need no check.
 */
export function mergeSentDuringListing(settled: Session, sent: ReadonlyMap<number, DonePart>, now: number): Session {
  if (sent.size === 0) return settled;
  const done = new Map(settled.done);
  const unverified = new Map(settled.unverified);
  for (const part of sent.values()) {
    done.set(part.number, part);
    unverified.delete(part.number);
  }
  return { ...settled, done, unverified, checkpoint: settled.checkpoint ? withDoneParts(settled.checkpoint, done, now) : null };
}
