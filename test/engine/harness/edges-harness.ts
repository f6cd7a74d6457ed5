/**
 * Puts the engine's edges on `window.edges` so the e2e test can drive them in a real browser,
 * as the bundler builds them for the app (ali-oss browser build, module worker, IndexedDB).
 */
import { createOssControl } from '../../../src/engine/oss/oss-control';
import { createXhrTransport } from '../../../src/engine/transfer/xhr-transport';
import { createCredentialsSource, fetchTokenEndpoint } from '../../../src/engine/credentials/credentials';
import { createCrc64Hasher } from '../../../src/engine/integrity/crc64';
import { createIdbCheckpointStore } from '../../../src/engine/checkpoints/idb-checkpoint-store';
import { fingerprintFile } from '../../../src/engine/resume/fingerprint';
import { systemClock } from '../../../src/engine/support/clock';

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
