/**
 * SignatureNonces seen recently. A nonce only needs remembering while its request's Timestamp is
 * still inside the accepted window (older requests fail on Timestamp anyway), so entries expire; the
 * capacity bounds memory under a flood, at the price of forgetting the oldest nonces early.
 */
export class RecentNonces {
  readonly #expiries = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** Records the nonce; false if it was already recorded and has not expired. */
  claim(nonce: string, now: number, rememberUntil: number): boolean {
    this.#forgetExpired(now);
    const known = this.#expiries.get(nonce);
    if (known !== undefined && known > now) return false;
    this.#expiries.delete(nonce);
    this.#expiries.set(nonce, rememberUntil);
    // Map iteration follows insertion order, so the first entries are the oldest.
    for (const oldest of this.#expiries.keys()) {
      if (this.#expiries.size <= this.#capacity) break;
      this.#expiries.delete(oldest);
    }
    return true;
  }

  #forgetExpired(now: number): void {
    for (const [nonce, expiry] of this.#expiries) {
      if (expiry <= now) this.#expiries.delete(nonce);
    }
  }
}
