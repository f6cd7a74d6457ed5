import { onScopeDispose, readonly, ref, shallowRef, watch, type Ref } from 'vue';
import { formatPercent } from '../format';
import type { UploaderComposer } from '../i18n';
import type { UploadRow } from '../store/upload-row';
import { dueAnnouncements, type AnnouncedMilestones, type Announcement } from './announcements';

/** How the announcer hears of rows: each batch of rows added or changed (see the store's `onRowsChanged`). */
export type RowsChangedSource = (listener: (changed: readonly UploadRow[]) => void) => () => void;

/**
 * Text for an `aria-live="polite"` region: the latest milestones, throttled to 10 % steps. Only
 * rows that changed are looked at, gathered until Vue's next update, so ten thousand rows cost
 * nothing per tick once finished.
 */
export function useProgressAnnouncer(onRowsChanged: RowsChangedSource, i18n: UploaderComposer): Readonly<Ref<string>> {
  const text = ref('');
  const announced: AnnouncedMilestones = new Map();
  /** The latest version of each row changed since the last announcement, by id. */
  const changed = new Map<string, UploadRow>();
  const batches = shallowRef(0);

  function phrase(announcement: Announcement): string {
    if (announcement.kind === 'progress') {
      return i18n.t('announce.progress', {
        name: announcement.name,
        percent: formatPercent(announcement.fraction, i18n.locale.value),
      });
    }
    return i18n.t(`announce.${announcement.kind}`, { name: announcement.name });
  }

  const stop = onRowsChanged((rows) => {
    for (const row of rows) changed.set(row.id, row);
    batches.value++;
  });
  onScopeDispose(stop);

  watch(batches, () => {
    const rows = [...changed.values()];
    changed.clear();
    const due = dueAnnouncements(rows, announced);
    if (due.length > 0) text.value = due.map(phrase).join(' ');
  });

  return readonly(text);
}
