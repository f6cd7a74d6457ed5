/**
 * The browser process is killed (SIGKILL, as in a crash or a power-off of the tab's process) at
 * random points of one upload, N times in a row. After each restart on the same profile the same
 * file is selected again; the upload continues from its IndexedDB checkpoint and the server's part
 * list, and finally completes byte-identical. Each kill may cost at most the parts that were in
 * flight, i.e. parallel × part size bytes sent again, counted at the proxy in front of OSS.
 *
 * Default: 3 kills on a 16 MiB file (about 30 s). `SOAK=1`: 10 kills on a 64 MiB file.
 * The kill points come from a seeded generator (`CRASH_SEED`, default 1) so a failure replays.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Rel, StartOptions } from './page/reliability-page';
import { launchKillableChromium, type KillableChromium } from './support/killable-chromium';
import { MiB, PREFIX, expectedBytes, sha256, startReliabilityEnv, storedSha256, type ReliabilityEnv } from './support/env';
import { seededRandom } from '../support/fault-proxy/random';

const SOAK = process.env.SOAK === '1';
const KILLS = SOAK ? 10 : 3;
/** Enough parts that the last kill still comes before the end, even if every session runs ahead. */
const FILE_SIZE = (SOAK ? 64 : 16) * 1024 * 1024;
const PART_SIZE = 1 * MiB;
const PARALLEL = 3;
const SEED = Number(process.env.CRASH_SEED ?? 1);

let env: ReliabilityEnv;
let browserProcess: KillableChromium | undefined;

beforeAll(async () => {
  env = await startReliabilityEnv(SEED);
});

afterAll(async () => {
  await browserProcess?.kill();
  await env?.close();
});

async function openPage(profileDir: string): Promise<Page> {
  browserProcess = await launchKillableChromium(profileDir);
  const page = await browserProcess.context.newPage();
  await env.openHarness(page);
  return page;
}

describe('the browser killed mid-upload', () => {
  it(`survives ${KILLS} kills in a row on one upload and sends again at most the parts in flight`, async () => {
    const size = FILE_SIZE;
    const options: StartOptions = { size, name: 'crash.bin', seed: 21, partSize: PART_SIZE, parallel: PARALLEL };
    const parts = size / PART_SIZE;
    const profileDir = join(env.tempDir, 'profile');
    await mkdir(profileDir, { recursive: true });
    const random = seededRandom(SEED);
    // Slower parts, so several are always in flight when the kill comes.
    env.proxy.setFaults({ latencyMs: 100 });
    const before = env.proxy.stats();

    let stored = 0;
    const resumedFlags: boolean[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const page = await openPage(profileDir);
      await page.evaluate((o) => (window as unknown as { rel: Rel }).rel.start(o), options);
      // Past `preparing`: the checkpoint (if any) has been found and the server's part list read.
      const session = await page.evaluate(() => (window as unknown as { rel: Rel }).rel.whenState(['uploading', 'failed', 'done']));
      expect(session.state).toBe('uploading');
      resumedFlags.push(session.resumed);
      const recorded = await page.evaluate((name) => (window as unknown as { rel: Rel }).rel.whenCheckpointHas(name, 0), options.name);
      // A random point: after 0–3 more parts are recorded in the checkpoint (0: right after the
      // resume, while parts from the last session may still be being verified).
      const target = recorded + Math.floor(random() * 4);
      stored = await page.evaluate(([name, n]) => (window as unknown as { rel: Rel }).rel.whenCheckpointHas(name, n), [options.name, target] as const);
      await browserProcess?.kill();
      browserProcess = undefined;
    }

    const page = await openPage(profileDir);
    await page.evaluate((o) => (window as unknown as { rel: Rel }).rel.start(o), options);
    const result = await page.evaluate(() => (window as unknown as { rel: Rel }).rel.outcome());
    resumedFlags.push(result.snapshot.resumed);

    expect(stored).toBeLessThan(parts);
    expect(result.error).toBeNull();
    expect(result.result).toMatchObject({ key: `${PREFIX}crash.bin`, size });
    expect(await storedSha256(env, `${PREFIX}crash.bin`)).toBe(sha256(expectedBytes(size, options.seed)));
    // Every session after the first continued the same upload.
    expect(resumedFlags).toEqual([false, ...Array<boolean>(KILLS).fill(true)]);

    const after = env.proxy.stats();
    const puts = (after.byMethod.PUT?.seen ?? 0) - (before.byMethod.PUT?.seen ?? 0);
    const posts = (after.byMethod.POST?.seen ?? 0) - (before.byMethod.POST?.seen ?? 0);
    // One Initiate and one Complete: never a second multipart upload.
    expect(posts).toBe(2);
    const resentBytes = (puts - parts) * PART_SIZE;
    // Reported, so a soak run shows the real cost of each kill next to the bound.
    console.info(`crash: ${KILLS} kills, ${puts - parts} of ${parts} parts sent again (bound ${KILLS * PARALLEL})`);
    expect(resentBytes).toBeGreaterThanOrEqual(0);
    expect(resentBytes).toBeLessThanOrEqual(KILLS * PARALLEL * PART_SIZE);
  });
});
