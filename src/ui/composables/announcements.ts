import type { UploadRow } from '../store/upload-row';

/** Announce every 10 %: often enough to follow, rare enough not to drown a screen reader. */
const STEP = 0.1;

export type Announcement =
  | { kind: 'progress'; name: string; fraction: number }
  | { kind: 'done'; name: string }
  | { kind: 'failed'; name: string };

/** Last announced milestone per upload id: a progress step, or the final state. */
export type AnnouncedMilestones = Map<string, number | 'done' | 'failed'>;

/**
 * The announcements due for these rows, updating `announced` in place. A row already past a step
 * when first seen (a resumed upload) is not announced until it reaches the next one.
 */
export function dueAnnouncements(rows: readonly UploadRow[], announced: AnnouncedMilestones): Announcement[] {
  const due: Announcement[] = [];
  for (const row of rows) {
    const previous = announced.get(row.id);
    if (row.state === 'done' || row.state === 'failed') {
      if (previous !== row.state) due.push({ kind: row.state, name: row.name });
      announced.set(row.id, row.state);
      continue;
    }
    const step = Math.floor(row.progress.fraction / STEP);
    if (previous === undefined || typeof previous !== 'number') {
      announced.set(row.id, step);
    } else if (step > previous) {
      due.push({ kind: 'progress', name: row.name, fraction: step * STEP });
      announced.set(row.id, step);
    }
  }
  return due;
}
