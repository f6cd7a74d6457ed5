import { readonly, ref, watch, type Ref } from 'vue';
import { formatPercent } from '../format';
import type { UploaderComposer } from '../i18n';
import type { UploadRow } from '../store/upload-row';
import { dueAnnouncements, type AnnouncedMilestones, type Announcement } from './announcements';

/** Text for an `aria-live="polite"` region: the latest milestones, throttled to 10 % steps. */
export function useProgressAnnouncer(rows: () => readonly UploadRow[], i18n: UploaderComposer): Readonly<Ref<string>> {
  const text = ref('');
  const announced: AnnouncedMilestones = new Map();

  function phrase(announcement: Announcement): string {
    if (announcement.kind === 'progress') {
      return i18n.t('announce.progress', {
        name: announcement.name,
        percent: formatPercent(announcement.fraction, i18n.locale.value),
      });
    }
    return i18n.t(`announce.${announcement.kind}`, { name: announcement.name });
  }

  watch(
    rows,
    (current) => {
      const due = dueAnnouncements(current, announced);
      if (due.length > 0) text.value = due.map(phrase).join(' ');
    },
    { deep: true, immediate: true },
  );

  return readonly(text);
}
