import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrowserNotFoundError, findChromium, requireChromium } from './browsers';

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
