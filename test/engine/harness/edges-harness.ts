/**
 * Puts the engine's edges on `window.edges` so the e2e test can drive them in a real browser,
 * as the bundler builds them for the app (ali-oss browser build, module worker, IndexedDB).
 */
import { createOssControl } from '../../../src/engine/oss-control';
import { createXhrTransport } from '../../../src/engine/xhr-transport';
import { createCredentialsSource, fetchTokenEndpoint } from '../../../src/engine/credentials';
import { createCrc64Hasher } from '../../../src/engine/crc64';
import { createIdbCheckpointStore } from '../../../src/engine/checkpoint-store';
import { fingerprintFile } from '../../../src/engine/fingerprint';
import { systemClock } from '../../../src/engine/clock';

const edges = {
  createOssControl,
  createXhrTransport,
  createCredentialsSource,
  fetchTokenEndpoint,
  createCrc64Hasher,
  createIdbCheckpointStore,
  fingerprintFile,
  systemClock,
};

export type Edges = typeof edges;

(window as unknown as { edges: Edges }).edges = edges;
document.body.dataset.ready = 'true';
