import type { GetCredentials, UploaderOptions } from '../engine/contracts';
import type { UploaderFactory } from './store/upload-store';

export interface EngineSettings {
  /** Token endpoint returning STS credentials; used when `getCredentials` is not given. */
  tokenUrl: string;
  getCredentials?: GetCredentials;
  partSize?: number;
  parallel?: number;
  /** Stored with every object (see `UploaderOptions`). */
  meta?: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: boolean;
  forbidOverwrite?: boolean;
}

/**
 * The real engine, imported on first use so the page renders before the engine's code arrives
 * (the engine in turn loads ali-oss only when the first upload starts).
 */
export function engineFactory(settings: EngineSettings): UploaderFactory {
  return async () => {
    const engine = await import('../engine/index');
    const options: UploaderOptions = {
      getCredentials: settings.getCredentials ?? engine.fetchTokenEndpoint(settings.tokenUrl),
      ...(settings.partSize === undefined ? {} : { partSize: settings.partSize }),
      ...(settings.parallel === undefined ? {} : { parallel: settings.parallel }),
      ...(settings.meta === undefined ? {} : { meta: settings.meta }),
      ...(settings.cacheControl === undefined ? {} : { cacheControl: settings.cacheControl }),
      ...(settings.contentDisposition === undefined ? {} : { contentDisposition: settings.contentDisposition }),
      ...(settings.forbidOverwrite === undefined ? {} : { forbidOverwrite: settings.forbidOverwrite }),
    };
    return engine.createUploader(options);
  };
}
