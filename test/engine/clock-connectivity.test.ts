import { describe, expect, it } from 'vitest';
import { sleep, systemClock } from '../../src/engine/support/clock';
import { createBrowserConnectivity } from '../../src/engine/support/connectivity';

describe('systemClock', () => {
  it('sleeps and reads the time', async () => {
    const before = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
  });

  it('rejects a sleep with an AbortError when aborted, before or during', async () => {
    const early = new AbortController();
    early.abort();
    await expect(sleep(10, early.signal)).rejects.toMatchObject({ name: 'AbortError' });
    const late = new AbortController();
    const sleeping = sleep(60_000, late.signal);
    late.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('createBrowserConnectivity', () => {
  function environment(onLine: boolean) {
    const target = new EventTarget();
    const navigator = { onLine };
    return {
      navigator,
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
      goOnline() {
        navigator.onLine = true;
        target.dispatchEvent(new Event('online'));
      },
    };
  }

  it('reads navigator.onLine', () => {
    expect(createBrowserConnectivity(environment(true)).isOnline()).toBe(true);
    expect(createBrowserConnectivity(environment(false)).isOnline()).toBe(false);
  });

  it('counts as online where there is no navigator', async () => {
    const connectivity = createBrowserConnectivity({});
    expect(connectivity.isOnline()).toBe(true);
    await connectivity.waitForOnline();
  });

  it('waits for the online event when offline', async () => {
    const env = environment(false);
    let resolved = false;
    const waiting = createBrowserConnectivity(env)
      .waitForOnline()
      .then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(resolved).toBe(false);
    env.goOnline();
    await waiting;
    expect(resolved).toBe(true);
  });

  it('stops waiting with an AbortError when aborted', async () => {
    const controller = new AbortController();
    const waiting = createBrowserConnectivity(environment(false)).waitForOnline(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
