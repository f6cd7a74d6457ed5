import { onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue';

export interface UseTitleProgressOptions {
  /** Injectable for tests; defaults to the page's document. */
  document?: Document;
}

/**
 * Puts `prefix` (e.g. "42% ·") in front of the tab title while it is a string, so progress shows on
 * a background tab; with null the title is the page's own again. A title the page sets meanwhile (a
 * language switch) is kept: only the prefix this wrote last is taken off.
 */
export function useTitleProgress(prefix: MaybeRefOrGetter<string | null>, options: UseTitleProgressOptions = {}): void {
  const doc = options.document ?? globalThis.document;
  if (!doc) return;
  let written: string | null = null;

  /** The page's own title: the current one without the prefix written last. */
  function baseTitle(): string {
    const title = doc!.title;
    return written !== null && title.startsWith(written) ? title.slice(written.length) : title;
  }

  function apply(next: string | null): void {
    const base = baseTitle();
    written = next === null ? null : `${next} `;
    const title = written === null ? base : written + base;
    if (doc!.title !== title) doc!.title = title;
  }

  watch(() => toValue(prefix), apply, { immediate: true });
  onScopeDispose(() => apply(null));
}
