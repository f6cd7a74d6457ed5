import { spawn } from 'node:child_process';
import { ConfigError, loadConfig, type Config } from './config';
import { startStack, uploadCallbackUrl } from './stack';
import { loadTokenSettings, TokenConfigError, type TokenSettings } from './token';

/**
 * `npm start`: the local OSS + STS (unless cloud endpoints are configured), the token endpoint and
 * the built app on HOST:PORT (loopback by default; `0.0.0.0` under Function Compute). `npm run dev`
 * (`--dev`) serves the app through Vite with hot reload.
 */
async function main(): Promise<void> {
  const dev = process.argv.includes('--dev');
  let config: Config;
  let token: TokenSettings;
  try {
    config = loadConfig(process.env, { cwd: process.cwd() });
    token = loadTokenSettings(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof TokenConfigError)) throw error;
    // One line, no stack: the message names the variable to fix.
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack(config, { token, app: { pages: dev ? 'dev' : 'built', log: (line) => console.log(line) } });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration error: ${error.message}`);
    process.exit(1);
  }
  if (config.oss.mode === 'local') {
    console.log(`Local OSS:  ${stack.ossUrl}  (bucket "${config.bucket}", data in ${config.dataDir})`);
    console.log(`Local STS:  ${stack.stsUrl}`);
    if (config.oss.credentialsFile) console.log(`Root access key: ${config.oss.rootKey.accessKeyId} (secret in ${config.oss.credentialsFile})`);
  } else {
    console.log(`OSS: ${stack.ossUrl}  STS: ${stack.stsUrl}  (bucket "${config.bucket}")`);
  }
  const appUrl = stack.app?.url ?? '';
  console.log(`Token endpoint: ${appUrl}/api/sts  (listening on ${config.host}:${stack.app?.port ?? config.port})`);
  console.log(`Upload records: ${config.databaseUrl !== null ? 'PostgreSQL at DATABASE_URL' : `embedded PostgreSQL (PGlite) in ${config.dataDir}`}`);
  const callbackUrl = uploadCallbackUrl(config, appUrl);
  console.log(callbackUrl !== null ? `OSS upload callbacks: ${callbackUrl}` : 'OSS upload callbacks: off (set PUBLIC_URL to the URL OSS reaches this app at); uploads are recorded when the page confirms them');
  console.log(`\n  Uploader ready: ${appUrl}/${dev ? '  (development: hot reload)' : ''}\n  Embedding examples: ${appUrl}/examples/embed.html\n`);
  if (config.openBrowser && process.stdout.isTTY) openBrowser(`${appUrl}/`);

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

/** Best effort: a missing opener is not an error (BROWSER=none skips this). */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

main().catch((error: unknown) => {
  console.error('Failed to start:', error instanceof Error ? error.message : String(error));
  process.exit(1);
});
