import type { UploadSnapshot, UploadState } from '../../engine/contracts';
import { relativePathOf } from '../files/relative-path';

/** `pending`: picked while `autoStart` is off (or before the engine is ready); not yet given to the engine. */
export type RowState = UploadState | 'pending';

/** What the list shows for one file: a plain copy of the engine's snapshot plus what only the UI knows. */
export interface UploadRow extends Omit<UploadSnapshot, 'state'> {
  state: RowState;
  /** An unfinished upload had this file's name, so the person expects it to continue. */
  expectedResume: boolean;
}

export const ACTIVE_STATES: ReadonlySet<RowState> = new Set(['queued', 'elsewhere', 'preparing', 'uploading', 'completing']);

export function rowFromSnapshot(snapshot: UploadSnapshot, expectedResume: boolean): UploadRow {
  return {
    ...snapshot,
    progress: { ...snapshot.progress },
    notices: snapshot.notices.map((notice) => ({ ...notice })),
    expectedResume,
  };
}

export function pendingRow(id: string, file: File): UploadRow {
  const relativePath = relativePathOf(file);
  return {
    id,
    name: file.name,
    ...(relativePath === undefined ? {} : { relativePath }),
    size: file.size,
    type: file.type,
    key: null,
    state: 'pending',
    progress: { bytesUploaded: 0, bytesTotal: file.size, fraction: 0, speed: 0, eta: null },
    resumed: false,
    error: null,
    notices: [],
    result: null,
    expectedResume: false,
  };
}

/** The person expected a resume but the engine found no matching checkpoint. */
export function missedResume(row: UploadRow): boolean {
  return row.expectedResume && !row.resumed && !['pending', 'queued', 'elsewhere', 'preparing'].includes(row.state);
}

/**
 * Reused parts still being checked against the file once every byte is sent (the engine then waits
 * for those checks before Complete); null otherwise.
 */
export function checkingParts(row: UploadRow): { checked: number; total: number } | null {
  const verification = row.verification;
  if (!verification || verification.partsChecked >= verification.partsToCheck) return null;
  if (row.state !== 'uploading' && row.state !== 'completing') return null;
  if (row.progress.bytesUploaded < row.size) return null;
  return { checked: verification.partsChecked, total: verification.partsToCheck };
}
