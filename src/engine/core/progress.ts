import type { Clock, UploadProgress } from '../contracts';

/** Speed is measured over this much recent history: steady enough to read, quick to follow a change. */
const SPEED_WINDOW_MS = 5_000;
/** Below this much history a speed figure is mostly noise, so none is given. */
const MIN_SPEED_SPAN_MS = 250;

interface SpeedSample {
  at: number;
  /** Cumulative bytes put on the wire, retries included; only ever grows. */
  sent: number;
}

/**
 * Byte progress of one upload. Each part in flight owns one `loaded` slot that its own
 * progress events overwrite, so a retried or aborted part never counts twice; finished parts
 * move into `doneBytes`. Speed comes from a sliding window over bytes actually sent.
 */
export class ProgressTracker {
  readonly #total: number;
  readonly #clock: Clock;
  readonly #slots = new Map<number, number>();
  #doneBytes = 0;
  #complete = false;
  #sent = 0;
  #samples: SpeedSample[] = [];

  constructor(total: number, clock: Clock) {
    this.#total = total;
    this.#clock = clock;
  }

  /** Start over from what is known to be on the server. */
  reset(doneBytes: number): void {
    this.#slots.clear();
    this.#doneBytes = doneBytes;
    this.#complete = false;
  }

  setLoaded(partNumber: number, loaded: number): void {
    const previous = this.#slots.get(partNumber) ?? 0;
    this.#slots.set(partNumber, loaded);
    if (loaded > previous) this.#recordSent(loaded - previous);
  }

  partDone(partNumber: number, size: number): void {
    this.#slots.delete(partNumber);
    this.#doneBytes += size;
  }

  /** A part counted as done turned out to need sending again. */
  partUndone(size: number): void {
    this.#doneBytes = Math.max(0, this.#doneBytes - size);
    this.#complete = false;
  }

  /** Parts not sent by this run turned out to be on the server already. */
  partsFound(size: number): void {
    this.#doneBytes = Math.min(this.#total, this.#doneBytes + size);
  }

  /** A part was aborted or failed: its bytes no longer count. */
  dropSlot(partNumber: number): void {
    this.#slots.delete(partNumber);
  }

  dropAllSlots(): void {
    this.#slots.clear();
  }

  markComplete(): void {
    this.#slots.clear();
    this.#doneBytes = this.#total;
    this.#complete = true;
  }

  snapshot(): UploadProgress {
    let inFlight = 0;
    for (const loaded of this.#slots.values()) inFlight += loaded;
    const bytesUploaded = Math.min(this.#total, this.#doneBytes + inFlight);
    const fraction = this.#total === 0 ? (this.#complete ? 1 : 0) : bytesUploaded / this.#total;
    const speed = this.#complete ? 0 : this.#speed();
    const remaining = this.#total - bytesUploaded;
    const eta = remaining === 0 ? 0 : speed > 0 ? remaining / speed : null;
    return { bytesUploaded, bytesTotal: this.#total, fraction, speed, eta };
  }

  #recordSent(bytes: number): void {
    this.#sent += bytes;
    const at = this.#clock.now();
    const last = this.#samples.at(-1);
    if (last && last.at === at) last.sent = this.#sent;
    else this.#samples.push({ at, sent: this.#sent });
  }

  #speed(): number {
    const now = this.#clock.now();
    this.#samples = this.#samples.filter((s) => s.at >= now - SPEED_WINDOW_MS);
    const oldest = this.#samples[0];
    if (!oldest) return 0;
    const span = now - oldest.at;
    if (span < MIN_SPEED_SPAN_MS) return 0;
    return ((this.#sent - oldest.sent) / span) * 1000;
  }
}
