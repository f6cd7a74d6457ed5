import type { CheckpointWriter } from './checkpoint-writer';
import type { Clock, DonePart } from '../contracts';
import { withDoneParts, type Session } from '../resume/upload-session';

/** How a session became the upload's (see `CheckpointRecorder.adopt`). */
export interface Adoption {
  /**
   * Taken as its checkpoint claims, before the server has confirmed it (resume while listing):
   * nothing is written, parts recorded meanwhile are remembered for `settle`.
   */
  unconfirmed?: boolean;
  /** Whether the session continues an upload started earlier; left as it was when not given. */
  resumed?: boolean;
}

/**
 * The one holder of an upload's session and the one writer of its checkpoint. Every operation
 * names the session it is for; one for a session that is not (or no longer) the upload's — replaced
 * because it had expired, discarded by a cancel — changes nothing. So "does this still count?"
 * is asked here, once, instead of by everyone who holds a session.
 */
export class CheckpointRecorder {
  readonly #writer: CheckpointWriter;
  readonly #clock: Clock;
  #current: Session | null = null;
  /** Discarded: it stays readable (its key), but nothing is recorded for it any more. */
  #discarded = false;
  #confirmed = false;
  #resumed = false;
  /** Parts recorded while the session was unconfirmed: they count whatever the server's list says. */
  #sentWhileUnconfirmed = new Map<number, DonePart>();

  constructor(writer: CheckpointWriter, clock: Clock) {
    this.#writer = writer;
    this.#clock = clock;
  }

  /** The upload's session, for reading only. */
  get session(): Readonly<Session> | null {
    return this.#current;
  }

  /** Whether the server has confirmed the session (or started it) since the upload last failed. */
  get confirmed(): boolean {
    return this.#current !== null && this.#confirmed && !this.#discarded;
  }

  get resumed(): boolean {
    return this.#resumed;
  }

  /** Whether `session` is the upload's and still counts. */
  holds(session: Session | null): boolean {
    return session !== null && session === this.#current && !this.#discarded;
  }

  /**
   * `session` becomes the upload's. A confirmed one has its checkpoint written, and the checkpoint
   * of the session it replaces (an upload found expired) removed before this resolves.
   */
  async adopt(session: Session, how: Adoption = {}): Promise<void> {
    const previous = this.#current;
    this.#current = session;
    this.#discarded = false;
    this.#confirmed = !how.unconfirmed;
    this.#sentWhileUnconfirmed = new Map();
    if (how.resumed !== undefined) this.#resumed = how.resumed;
    if (how.unconfirmed) return;
    if (session.checkpoint) this.#writer.save(session.checkpoint);
    const replaced = previous?.checkpoint;
    if (replaced && replaced.id !== session.checkpoint?.id) await this.#writer.remove(replaced.id).catch(() => undefined);
  }

  /**
   * The server's list for the unconfirmed `session`, merged with the parts sent meanwhile (those
   * count as done whatever the list says: the server accepted each PUT, and a page of the list may
   * have been read before a part landed; their CRC was computed here, so they need no check),
   * becomes its state. Returns the bytes done before and after, or undefined when it no longer counts.
   */
  settle(session: Session, listed: Session): { before: number; after: number } | undefined {
    if (!this.holds(session)) return undefined;
    const done = new Map(listed.done);
    const unverified = new Map(listed.unverified);
    for (const part of this.#sentWhileUnconfirmed.values()) {
      done.set(part.number, part);
      unverified.delete(part.number);
    }
    const before = bytesOf(session.done);
    session.done = done;
    session.unverified = unverified;
    session.checkpoint = listed.checkpoint ? withDoneParts(listed.checkpoint, done, this.#clock.now()) : null;
    this.#confirmed = true;
    this.#sentWhileUnconfirmed = new Map();
    this.#write(session);
    return { before, after: bytesOf(done) };
  }

  /**
   * A finished part of `session`: 'new', 'known' (sent again), or undefined when the session no
   * longer counts. A part that lands just after a pause is still recorded.
   */
  recordPart(session: Session, part: DonePart): 'new' | 'known' | undefined {
    if (!this.holds(session)) return undefined;
    const known = session.done.has(part.number);
    session.done.set(part.number, part);
    if (!this.#confirmed) this.#sentWhileUnconfirmed.set(part.number, part);
    this.#write(session);
    return known ? 'known' : 'new';
  }

  /** A reused part found to match the file: its CRC from now on is the local one. */
  checkPart(session: Session, partNumber: number, crc64: string): boolean {
    const part = session.done.get(partNumber);
    if (!this.holds(session) || !part || !session.unverified.delete(partNumber)) return false;
    session.done.set(partNumber, { ...part, crc64 });
    return true;
  }

  /** A reused part found to differ from the file: no longer done. Returns it, or undefined. */
  dropPart(session: Session, partNumber: number): DonePart | undefined {
    const reused = session.done.get(partNumber);
    if (!this.holds(session) || !reused || !session.unverified.delete(partNumber)) return undefined;
    session.done.delete(partNumber);
    this.#write(session);
    return reused;
  }

  /** The single PutObject of `session` goes to another key (its own was taken). */
  moveKey(session: Session, key: string): void {
    if (this.holds(session)) session.key = key;
  }

  /** Completed: its checkpoint goes; the session stays readable as the upload's. */
  async finish(session: Session): Promise<void> {
    if (session.checkpoint) await this.#writer.remove(session.checkpoint.id).catch(() => undefined);
  }

  /**
   * `session` (the upload's, or one started for it that it will not use) is given up: its
   * checkpoint goes and nothing more is recorded for it. With `forget`, the upload starts from
   * nothing next time (its object was completed damaged).
   */
  async discard(session: Session, { forget = false }: { forget?: boolean } = {}): Promise<void> {
    if (session === this.#current) {
      this.#discarded = true;
      if (forget) this.#current = null;
    }
    if (session.checkpoint) await this.#writer.remove(session.checkpoint.id).catch(() => undefined);
  }

  /** After a failure: the next run checks the session with the server again. */
  doubt(): void {
    this.#confirmed = false;
  }

  /** Resolves when everything recorded so far is written. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #write(session: Session): void {
    if (!session.checkpoint) return;
    session.checkpoint = withDoneParts(session.checkpoint, session.done, this.#clock.now());
    this.#writer.save(session.checkpoint);
  }
}

function bytesOf(done: ReadonlyMap<number, DonePart>): number {
  let bytes = 0;
  for (const part of done.values()) bytes += part.size;
  return bytes;
}
