import type { Config } from './config';
import { startLocalOss, type LocalOss } from './local-oss';

/** Everything `npm start` runs, started in order and stopped in reverse. */
export interface Stack {
  /** OSS origin browsers and ali-oss talk to (local server or cloud endpoint). */
  ossUrl: string;
  /** STS endpoint for AssumeRole. */
  stsUrl: string;
  /** The local OSS server; null in cloud mode. */
  localOss: LocalOss | null;
  close(): Promise<void>;
}

export async function startStack(config: Config): Promise<Stack> {
  if (config.oss.mode === 'cloud') {
    return { ossUrl: config.oss.endpoint, stsUrl: config.oss.stsEndpoint, localOss: null, close: async () => undefined };
  }
  const localOss = await startLocalOss({
    dataDir: config.dataDir,
    port: config.oss.port,
    stsPort: config.oss.stsPort,
    rootAccessKeyId: config.oss.rootKey.accessKeyId,
    rootAccessKeySecret: config.oss.rootKey.accessKeySecret,
    roleArn: config.roleArn,
    buckets: [config.bucket],
    region: config.region,
  });
  return { ossUrl: localOss.url, stsUrl: localOss.stsUrl, localOss, close: () => localOss.close() };
}
