import { onScopeDispose, toValue, type MaybeRefOrGetter } from 'vue';

export interface UsePasteFilesOptions {
  /** Only while true (e.g. not when the uploader is disabled). Default: always. */
  enabled?: MaybeRefOrGetter<boolean>;
  /** Where paste is heard; defaults to the page's document. */
  target?: Pick<Document, 'addEventListener' | 'removeEventListener'>;
}

/** True when the paste goes into something that takes text, which keeps its own paste. */
export function isTextField(element: EventTarget | null | undefined): boolean {
  if (!(element instanceof Element)) return false;
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return true;
  if (element instanceof HTMLInputElement) return !['button', 'checkbox', 'file', 'radio', 'range', 'reset', 'submit', 'color', 'image'].includes(element.type);
  return element instanceof HTMLElement && element.isContentEditable;
}

/**
 * Files pasted onto the page (Ctrl/Cmd+V of copied files or a screenshot) go to `onFiles`. Pastes
 * into a text field are left alone, and so are pastes with no files.
 */
export function usePasteFiles(onFiles: (files: File[]) => void, options: UsePasteFilesOptions = {}): void {
  const target = options.target ?? globalThis.document;
  if (!target) return;
  const onPaste = (event: Event): void => {
    if (!toValue(options.enabled ?? true)) return;
    const clipboard = (event as ClipboardEvent).clipboardData;
    // composedPath()[0]: the element inside a shadow root (the custom element), not its host.
    if (isTextField(event.composedPath()[0])) return;
    const files = Array.from(clipboard?.files ?? []);
    if (files.length === 0) return;
    event.preventDefault();
    onFiles(files);
  };
  target.addEventListener('paste', onPaste);
  onScopeDispose(() => target.removeEventListener('paste', onPaste));
}
