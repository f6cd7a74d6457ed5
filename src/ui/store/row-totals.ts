import type { UploadTotals } from './upload-store';
import { ACTIVE_STATES, type UploadRow } from './upload-row';

/**
 * Totals kept up to date row by row: each change takes the old row out and puts the new one in,
 * so a progress tick costs O(changed rows) instead of a pass over every row.
 */
export class RowTotals {
  #files = 0;
  #finished = 0;
  #bytesUploaded = 0;
  #bytesTotal = 0;
  #speed = 0;
  #uploading = 0;
  #active = 0;
  #pending = 0;

  /** Replaces `before` (absent for a new row) with `after` (absent for a removed one). */
  replace(before: UploadRow | undefined, after: UploadRow | undefined): void {
    if (before) this.#count(before, -1);
    if (after) this.#count(after, 1);
  }

  clear(): void {
    this.#files = this.#finished = this.#bytesUploaded = this.#bytesTotal = this.#speed = 0;
    this.#uploading = this.#active = this.#pending = 0;
  }

  /** Rows counted (canceled ones aside), as `snapshot().files` would say now. */
  get files(): number {
    return this.#files;
  }

  /** Rows waiting for Start. */
  get pending(): number {
    return this.#pending;
  }

  snapshot(): UploadTotals {
    return {
      files: this.#files,
      finished: this.#finished,
      bytesUploaded: this.#bytesUploaded,
      bytesTotal: this.#bytesTotal,
      // Sums of floats drift when rows come and go: none uploading is exactly none.
      speed: this.#uploading === 0 ? 0 : Math.max(0, this.#speed),
      active: this.#active > 0,
    };
  }

  #count(row: UploadRow, sign: 1 | -1): void {
    if (row.state === 'pending') this.#pending += sign;
    if (row.state === 'canceled') return;
    this.#files += sign;
    if (row.state === 'done') this.#finished += sign;
    this.#bytesUploaded += sign * row.progress.bytesUploaded;
    this.#bytesTotal += sign * row.size;
    if (row.state === 'uploading') {
      this.#uploading += sign;
      this.#speed += sign * row.progress.speed;
    }
    if (ACTIVE_STATES.has(row.state)) this.#active += sign;
  }
}

/** Two totals show the same figures. */
export function sameTotals(a: UploadTotals, b: UploadTotals): boolean {
  return (
    a.files === b.files &&
    a.finished === b.finished &&
    a.bytesUploaded === b.bytesUploaded &&
    a.bytesTotal === b.bytesTotal &&
    a.speed === b.speed &&
    a.active === b.active
  );
}
