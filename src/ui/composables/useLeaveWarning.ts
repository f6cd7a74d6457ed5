import { onScopeDispose, toValue, type MaybeRefOrGetter } from 'vue';

export interface UseLeaveWarningOptions {
  /** Injectable for tests; defaults to the page's window. */
  window?: Window;
}

/**
 * Asks the browser to confirm leaving while `active` is true. Browsers show their own wording;
 * the message is set for the few that still display it.
 */
export function useLeaveWarning(
  active: MaybeRefOrGetter<boolean>,
  message: MaybeRefOrGetter<string>,
  options: UseLeaveWarningOptions = {},
): void {
  const target = options.window ?? globalThis.window;
  if (!target) return;
  const onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (!toValue(active)) return;
    event.preventDefault();
    event.returnValue = toValue(message);
  };
  target.addEventListener('beforeunload', onBeforeUnload);
  onScopeDispose(() => target.removeEventListener('beforeunload', onBeforeUnload));
}
