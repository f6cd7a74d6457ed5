import { onScopeDispose, readonly, ref, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue';

/** The part of the Notification API this uses. */
export interface NotificationApi {
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
  new (title: string, options?: NotificationOptions): { close(): void };
}

export interface UseDoneNotificationOptions {
  /** Injectable for tests; defaults to the page's `Notification`. */
  notification?: NotificationApi | null;
}

export interface UseDoneNotificationReturn {
  /** The browser can show notifications. */
  readonly supported: boolean;
  /** `default` until the visitor answers, then `granted` or `denied`. */
  permission: Readonly<Ref<NotificationPermission>>;
  /** Asks for permission: call it from a click handler only (browsers ignore or punish other calls). */
  request(): Promise<NotificationPermission>;
}

/**
 * Shows a notification when `done` turns from false to true (every upload finished), if the
 * visitor allowed notifications. Permission is never asked here; `request()` is for a button.
 * `message()` gives the title and body at that moment.
 */
export function useDoneNotification(
  done: MaybeRefOrGetter<boolean>,
  message: () => { title: string; body: string },
  options: UseDoneNotificationOptions = {},
): UseDoneNotificationReturn {
  const api =
    options.notification === undefined
      ? ((globalThis as { Notification?: NotificationApi }).Notification ?? null)
      : options.notification;
  const permission = ref<NotificationPermission>(api?.permission ?? 'denied');

  async function request(): Promise<NotificationPermission> {
    if (!api) return 'denied';
    try {
      permission.value = await api.requestPermission();
    } catch {
      permission.value = api.permission;
    }
    return permission.value;
  }

  if (api) {
    const stop = watch(
      () => toValue(done),
      (now, before) => {
        if (!now || before) return;
        permission.value = api.permission; // the visitor may have changed it in the browser's settings
        if (permission.value !== 'granted') return;
        const { title, body } = message();
        try {
          new api(title, { body, tag: 'oss-uploader-done' });
        } catch {
          // Some mobile browsers allow notifications only from a service worker: nothing to show then.
        }
      },
    );
    onScopeDispose(stop);
  }

  return { supported: api !== null, permission: readonly(permission), request };
}
