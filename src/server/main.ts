import { ConfigError, loadConfig, type Config } from './config';
import { startStack } from './stack';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, { cwd: process.cwd() });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line, no stack: the message names the variable to fix.
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  const stack = await startStack(config);
  if (config.oss.mode === 'local') {
    console.log(`Local OSS:  ${stack.ossUrl}  (bucket "${config.bucket}", data in ${config.dataDir})`);
    console.log(`Local STS:  ${stack.stsUrl}`);
    if (config.oss.credentialsFile) console.log(`Root access key: ${config.oss.rootKey.accessKeyId} (secret in ${config.oss.credentialsFile})`);
  } else {
    console.log(`OSS: ${stack.ossUrl}  STS: ${stack.stsUrl}  (bucket "${config.bucket}")`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Error while stopping:', error instanceof Error ? error.message : String(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('Failed to start:', error instanceof Error ? error.message : String(error));
  process.exit(1);
});
