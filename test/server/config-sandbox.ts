import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ConfigError, loadConfig, type Env } from '../../src/server/config';

export interface ConfigSandbox {
  /** This test's working directory: fresh for each test, removed after it. */
  readonly cwd: string;
  /** The ConfigError loadConfig throws for `env` in `cwd`; fails the test when it accepts `env`. */
  errorOf(env: Env): ConfigError;
}

/** For loadConfig tests: registers a temporary working directory per test (call at module level). */
export function configSandbox(prefix: string): ConfigSandbox {
  let cwd = '';
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });
  return {
    get cwd() {
      return cwd;
    },
    errorOf(env) {
      try {
        loadConfig(env, { cwd });
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      throw new Error('loadConfig accepted the environment');
    },
  };
}
