import type { ResumeVerification, UploadNotice } from '../contracts';

/**
 * Counts the checks of reused parts for the snapshot, and words the notice when some were sent
 * again. Counted by part number, so a part checked again after a retry is not counted twice.
 */
export class VerificationCounter {
  readonly #notify: (notice: UploadNotice) => void;
  readonly #toCheck = new Set<number>();
  readonly #checked = new Set<number>();
  readonly #resent = new Set<number>();

  constructor(notify: (notice: UploadNotice) => void) {
    this.#notify = notify;
  }

  /** A run starts with these reused parts still to check. */
  startRun(unchecked: Iterable<number>): void {
    for (const partNumber of unchecked) this.#toCheck.add(partNumber);
  }

  checked(partNumber: number, resent: boolean): void {
    this.#checked.add(partNumber);
    if (!resent || this.#resent.has(partNumber)) return;
    this.#resent.add(partNumber);
    const count = this.#resent.size;
    const parts = count === 1 ? '1 part' : `${count} parts`;
    this.#notify({
      code: 'PARTS_RESENT',
      message: `${parts} left on the server by the unfinished upload did not match this file, so ${count === 1 ? 'it was' : 'they were'} sent again.`,
      count,
    });
  }

  /** The snapshot's `verification` field, absent while there was nothing to check. */
  snapshotField(): { verification?: ResumeVerification } {
    if (this.#toCheck.size === 0) return {};
    return { verification: { partsToCheck: this.#toCheck.size, partsChecked: this.#checked.size, partsResent: this.#resent.size } };
  }
}
