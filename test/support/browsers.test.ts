import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrowserNotFoundError, findChromium, findFirefox, requireChromium, requireFirefox } from './browsers';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'browsers-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function touch(path: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '');
  return path;
}

describe('finding Chromium for the tests', () => {
  it('takes CHROMIUM_PATH first, then CHROME_PATH', async () => {
    const chosen = await touch(join(dir, 'my-chromium'));
    const usual = await touch(join(dir, 'usr-bin-chromium'));
    expect(findChromium({ CHROMIUM_PATH: chosen }, [usual])).toBe(chosen);
    expect(findChromium({ CHROME_PATH: chosen }, [usual])).toBe(chosen);
  });

  it('refuses a CHROMIUM_PATH that does not exist instead of quietly using another browser', async () => {
    const usual = await touch(join(dir, 'usr-bin-chromium'));
    expect(() => findChromium({ CHROMIUM_PATH: join(dir, 'missing') }, [usual])).toThrow(BrowserNotFoundError);
  });

  it('then the first usual location that exists', async () => {
    const second = await touch(join(dir, 'b', 'chromium'));
    expect(findChromium({ PLAYWRIGHT_BROWSERS_PATH: join(dir, 'none') }, [join(dir, 'a', 'chromium'), second])).toBe(second);
  });

  it("then Playwright's cache, newest revision first", async () => {
    const cache = join(dir, 'ms-playwright');
    await touch(join(cache, 'chromium-1161', 'chrome-linux', 'chrome'));
    const newest = await touch(join(cache, 'chromium-1187', 'chrome-linux', 'chrome'));
    await touch(join(cache, 'firefox-1500', 'firefox', 'firefox'));
    expect(findChromium({ PLAYWRIGHT_BROWSERS_PATH: cache }, [join(dir, 'absent')])).toBe(newest);
  });

  it('says in one line what to install when there is none', () => {
    const env = { PLAYWRIGHT_BROWSERS_PATH: join(dir, 'none') };
    expect(findChromium(env, [join(dir, 'absent')])).toBeNull();
    expect(() => requireChromium(env, [join(dir, 'absent')])).toThrow(/^No Chromium found for the browser tests: install .*chromium.*CHROMIUM_PATH/);
    try {
      requireChromium(env, [join(dir, 'absent')]);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('finding Firefox for the tests', () => {
  it('takes FIREFOX_PATH first', async () => {
    const chosen = await touch(join(dir, 'my-firefox'));
    const usual = await touch(join(dir, 'usr-bin-firefox-esr'));
    expect(findFirefox({ FIREFOX_PATH: chosen }, [usual])).toBe(chosen);
  });

  it('refuses a FIREFOX_PATH that does not exist instead of quietly using another browser', async () => {
    const usual = await touch(join(dir, 'usr-bin-firefox-esr'));
    expect(() => findFirefox({ FIREFOX_PATH: join(dir, 'missing') }, [usual])).toThrow(BrowserNotFoundError);
    expect(() => findFirefox({ FIREFOX_PATH: join(dir, 'missing') }, [usual])).toThrow(/^FIREFOX_PATH names .*missing, which does not exist: install .*firefox-esr/);
  });

  it('then the first usual location that exists (firefox-esr before firefox)', async () => {
    const cache = join(dir, 'puppeteer');
    await touch(join(cache, 'firefox', 'linux-stable_140.0', 'firefox', 'firefox'));
    const firefox = await touch(join(dir, 'usr', 'bin', 'firefox'));
    expect(findFirefox({ PUPPETEER_CACHE_DIR: cache }, [join(dir, 'usr', 'bin', 'firefox-esr'), firefox])).toBe(firefox);
    const esr = await touch(join(dir, 'usr', 'bin', 'firefox-esr'));
    expect(findFirefox({ PUPPETEER_CACHE_DIR: cache }, [esr, firefox])).toBe(esr);
  });

  it("then puppeteer's cache, newest version first, never a Chromium or Playwright build", async () => {
    const cache = join(dir, 'puppeteer');
    await touch(join(cache, 'firefox', 'linux-stable_140.0.4', 'firefox', 'firefox'));
    await touch(join(cache, 'firefox', 'linux-stable_140.0.10', 'firefox', 'firefox'));
    const newest = await touch(join(cache, 'firefox', 'linux-stable_141.0', 'firefox', 'firefox'));
    await touch(join(cache, 'chrome', 'linux-150.0.7000.0', 'chrome-linux64', 'chrome'));
    expect(findFirefox({ PUPPETEER_CACHE_DIR: cache }, [join(dir, 'absent')])).toBe(newest);

    const older = join(dir, 'older');
    await touch(join(older, 'firefox', 'linux-stable_140.0.4', 'firefox', 'firefox'));
    const patch = await touch(join(older, 'firefox', 'linux-stable_140.0.10', 'firefox', 'firefox'));
    expect(findFirefox({ PUPPETEER_CACHE_DIR: older }, [join(dir, 'absent')])).toBe(patch);

    const playwright = join(dir, 'ms-playwright');
    await touch(join(playwright, 'firefox-1500', 'firefox', 'firefox'));
    expect(findFirefox({ PUPPETEER_CACHE_DIR: join(dir, 'none'), PLAYWRIGHT_BROWSERS_PATH: playwright }, [join(dir, 'absent')])).toBeNull();
  });

  it('says in one line what to install when there is none', () => {
    const env = { PUPPETEER_CACHE_DIR: join(dir, 'none') };
    expect(findFirefox(env, [join(dir, 'absent')])).toBeNull();
    expect(() => requireFirefox(env, [join(dir, 'absent')])).toThrow(/^No Firefox found for the Firefox tests: install .*apt-get install firefox-esr.*FIREFOX_PATH/);
    try {
      requireFirefox(env, [join(dir, 'absent')]);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('does not take CHROMIUM_PATH for Firefox', async () => {
    const chromium = await touch(join(dir, 'chromium'));
    expect(findFirefox({ CHROMIUM_PATH: chromium, PUPPETEER_CACHE_DIR: join(dir, 'none') }, [join(dir, 'absent')])).toBeNull();
  });
});
