/**
 * Puts the public engine on `window.core` so the e2e test drives it in real Chromium with its
 * browser defaults (XHR, ali-oss, CRC worker, IndexedDB). Credentials come from the test
 * process through the exposed `assumeRole` function.
 */
import {
  createIdbCheckpointStore,
  createUploader,
  type Credentials,
  type ObjectInfoSource,
  type OssControl,
  type PartTransport,
  type Upload,
  type Uploader,
} from '../../../src/engine/index';
import type { ObjectInfoResponse } from '../../../src/shared/token-response';
import { createChannelLocks } from '../../../src/engine/locks/channel-locks';
import { createOssControl } from '../../../src/engine/oss/oss-control';
import { createXhrTransport } from '../../../src/engine/transfer/xhr-transport';

/** Holds every part numbered above `holdAbove` until `release()`, so a test can act mid-upload. */
export interface HeldTransport extends PartTransport {
  release(): void;
}

function holdPartsAbove(holdAbove: number, inner: PartTransport = createXhrTransport()): HeldTransport {
  let open = false;
  const waiting = new Set<() => void>();
  return {
    put(p) {
      const partNumber = Number(new URL(p.url).searchParams.get('partNumber') ?? 0);
      if (open || partNumber <= holdAbove) return inner.put(p);
      return new Promise((resolve, reject) => {
        const go = (): void => {
          waiting.delete(go);
          inner.put(p).then(resolve, reject);
        };
        waiting.add(go);
        p.signal.addEventListener('abort', () => {
          if (waiting.delete(go)) reject(new DOMException('The operation was aborted.', 'AbortError'));
        });
      });
    },
    release() {
      open = true;
      for (const go of [...waiting]) go();
    },
  };
}

/** Bytes [offset, offset + length) inverted: another file with the same name, size and time. */
export interface Patch {
  offset: number;
  length: number;
}

/** Same bytes as the test computes in Node, so the stored object can be compared. */
function makeFile(size: number, name: string, seed: number, patch?: Patch): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.imul(i + seed, 2654435761) >>> 24;
  if (patch) for (let i = patch.offset; i < patch.offset + patch.length; i++) bytes[i] = ~(bytes[i] ?? 0) & 0xff;
  return new File([bytes], name, { type: 'application/octet-stream', lastModified: 1_700_000_000_000 });
}

/** The real control plane, except that ListParts reports no CRCs (as servers may), so parts are checked by MD5. */
function controlWithoutListedCrc(): OssControl {
  const control = createOssControl();
  return {
    ...control,
    listParts: async (p) => (await control.listParts(p)).map(({ number, etag, size }) => ({ number, etag, size })),
  };
}

/** Resolves once the checkpoint of `name` in IndexedDB lists at least `parts` finished parts. */
async function whenCheckpointHas(name: string, parts: number): Promise<void> {
  const store = await createIdbCheckpointStore();
  for (;;) {
    const checkpoint = (await store.list()).find((c) => c.name === name);
    if (checkpoint && checkpoint.doneParts.length >= parts) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Writes `makeFile`'s bytes into the origin private file system and returns the file's handle: a
 * handle like one from `showOpenFilePicker`, but needing no dialog and no permission prompt.
 */
async function writeOpfsFile(size: number, name: string, seed: number): Promise<FileSystemFileHandle> {
  const handle = await (await navigator.storage.getDirectory()).getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  await writable.write(await makeFile(size, name, seed).arrayBuffer());
  await writable.close();
  return handle;
}

const getCredentials = (): Promise<Credentials> => (window as unknown as { assumeRole(): Promise<Credentials> }).assumeRole();

/**
 * The token endpoint's object-info route, answered by the test process (a HEAD with the root key,
 * as the endpoint makes one with its own credentials) through the exposed `headObject`.
 */
const objectInfoFromTest: ObjectInfoSource = {
  get: ({ key }) => (window as unknown as { headObject(key: string): Promise<ObjectInfoResponse> }).headObject(key),
};

const core = {
  createUploader,
  createIdbCheckpointStore,
  holdPartsAbove,
  makeFile,
  controlWithoutListedCrc,
  whenCheckpointHas,
  writeOpfsFile,
  getCredentials,
  objectInfoFromTest,
  createChannelLocks,
  /** Kept between `evaluate` calls of one page load. */
  state: {} as { uploader?: Uploader; upload?: Upload; transport?: HeldTransport },
};

export type Core = typeof core;

(window as unknown as { core: Core }).core = core;
document.body.dataset.ready = 'true';
