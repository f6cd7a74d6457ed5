/**
 * The browser side of the upload benchmark, on `window.bench`. Each method uploads the file chosen
 * in `#file` (set by the bench with `setInputFiles`, so Chromium reads it from disk) and returns
 * milliseconds measured in the page. Credentials come from the bench through `getCredentials`.
 */
import type OSS from 'ali-oss';
import { createUploader, createIdbCheckpointStore, createMemoryCheckpointStore, buildObjectKey } from '../../../src/engine';
import type { Checkpoint, DonePart, PartTransport, UploadSnapshot } from '../../../src/engine';
import type { TokenResponse } from '../../../src/shared/token-response';
import { createCrc64Hasher } from '../../../src/engine/integrity/crc64';
import { slowHashCount, trace, tracedHasher, tracedTransport, traceLines, traceUpload } from './trace';
import { fingerprintFile } from '../../../src/engine/resume/fingerprint';
import { trustingServerCrc } from './server-crc';
import { resumeToFinish, type ResumeRun } from './resume-run';
import { mainSend, workerSend } from './read-once';
import { streamAhead } from './stream-ahead';
import { DEFAULT_PART_SIZE } from '../../../src/engine/transfer/part-plan';

declare global {
  interface Window {
    /** Exposed by the bench (Playwright `exposeFunction`): fresh STS credentials. */
    getCredentials(): Promise<TokenResponse>;
    bench: BenchPage;
  }
}

export interface ResumeProbe {
  /** From `add(file)` to the first part PUT handed to the transport. */
  msToFirstPart: number;
  resumed: boolean;
  bytesAlreadyDone: number;
  notices: string[];
}

/** One way of reading, hashing and sending parts (see read-once.ts), with the engine scheduling. */
export interface UploadDesign {
  /**
   * `engine`: as shipped; `serverCrc`: no local read (server-crc.ts); `workerSend`, `mainSend`:
   * read-once prototypes (read-once.ts); `streamAhead`: one hashing stream over the file (stream-ahead.ts).
   */
  design: 'engine' | 'serverCrc' | 'workerSend' | 'mainSend' | 'streamAhead';
  /** Workers of a read-once prototype (default 1). */
  workers?: number;
  /** What a read-once prototype sends: the ArrayBuffer read, or a Blob made of it (default). */
  body?: 'buffer' | 'blob';
  /** streamAhead: parts hashed beyond the highest being sent (default: no limit), and its reader (default `default`). */
  ahead?: number;
  reader?: 'default' | 'byob';
  /** streamAhead with the BYOB reader: bytes per read (default 2 MiB). */
  chunkBytes?: number;
  /** Engine option; its default when absent. */
  partSize?: number;
  parallel?: number;
}

export interface BenchPage {
  /** Loads ali-oss once, so no method pays for its first import. */
  warmUp(): Promise<void>;
  /** One presigned PUT of the whole file with `fetch`: the ceiling. */
  rawPut(name: string): Promise<number>;
  /**
   * The engine with its defaults (part size, parallel), checkpoints in memory. `localCrc: false`
   * takes each part's CRC from the server's answer instead of reading and hashing the part.
   */
  engineUpload(name: string, localCrc: boolean): Promise<number>;
  /** The engine with one of the designs above, checkpoints in memory. */
  designUpload(name: string, design: UploadDesign): Promise<number>;
  /** ali-oss browser `multipartUpload`. */
  aliOssUpload(name: string, partSize: number, parallel: number): Promise<number>;
  /** Stores a checkpoint for the selected file in the engine's IndexedDB, as an earlier session would have left it. */
  seedCheckpoint(seed: { name: string; uploadId: string; partSize: number; doneParts: DonePart[] }): Promise<void>;
  /** Selects the file again with a fresh uploader (IndexedDB checkpoints) and stops at its first part request, unsent. */
  resumeToFirstPart(name: string): Promise<ResumeProbe>;
  /** Selects the file again with a fresh uploader (IndexedDB checkpoints) and resumes it to Complete. */
  resumeToFinish(name: string, verifyResumedParts: boolean): Promise<ResumeRun>;
  /** The page's trace (upload states, errors, progress), for a bench step that does not end. */
  trace(): string[];
  /** Part hashes that took over 10 s (a stalled worker replaced), since the page loaded. */
  slowHashes(): number;
}

function selectedFile(): File {
  const file = document.querySelector<HTMLInputElement>('#file')?.files?.[0];
  if (!file) throw new Error('no file selected in #file');
  return file;
}

async function aliOssClient(credentials: TokenResponse): Promise<OSS> {
  const { default: AliOss } = await import('ali-oss');
  // @types/ali-oss lacks `sldEnable` (path-style addressing, needed for the local server).
  return new AliOss({
    region: credentials.region,
    bucket: credentials.bucket,
    endpoint: credentials.endpoint,
    secure: credentials.secure,
    sldEnable: true,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    stsToken: credentials.securityToken,
    refreshSTSTokenInterval: 3_600_000,
  } as OSS.Options);
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const bench: BenchPage = {
  async warmUp() {
    await import('ali-oss');
  },

  async rawPut(name) {
    const credentials = await window.getCredentials();
    const url = (await aliOssClient(credentials)).signatureUrl(buildObjectKey(credentials.prefix, name), { method: 'PUT', expires: 3600 });
    const file = selectedFile();
    // An untyped slice (no copy) sends no Content-Type, matching the URL signed without one.
    const body = file.slice(0, file.size, '');
    return timed(async () => {
      const response = await fetch(url, { method: 'PUT', body });
      if (!response.ok) throw new Error(`raw PUT answered ${response.status}: ${await response.text()}`);
    });
  },

  async engineUpload(name, localCrc) {
    const file = selectedFile();
    // The default hasher, held here so its workers are stopped after the round.
    const hasher = createCrc64Hasher();
    const traced = { hasher: tracedHasher(`engine ${name}`, hasher), transport: tracedTransport(`engine ${name}`) };
    const uploader = await createUploader({
      getCredentials: () => window.getCredentials(),
      storage: createMemoryCheckpointStore(),
      ...(localCrc ? traced : trustingServerCrc(traced.hasher, traced.transport)),
      pageEvents: null,
    });
    try {
      return await timed(() => {
        const upload = uploader.add(file, { key: name });
        traceUpload(`engine ${name}`, upload);
        return upload.finished;
      });
    } finally {
      uploader.destroy();
      hasher.dispose();
    }
  },

  async designUpload(name, spec) {
    if (spec.design === 'engine' || spec.design === 'serverCrc') {
      if (spec.partSize === undefined && spec.parallel === undefined) return bench.engineUpload(name, spec.design === 'engine');
    }
    const file = selectedFile();
    const hasher = createCrc64Hasher();
    const label = `${spec.design} ${name}`;
    const traced = { hasher: tracedHasher(label, hasher), transport: tracedTransport(label) };
    const pair =
      spec.design === 'workerSend'
        ? workerSend(hasher, spec.workers ?? 1, spec.body ?? 'blob')
        : spec.design === 'mainSend'
          ? mainSend(hasher, spec.workers ?? 1, spec.body ?? 'blob')
          : spec.design === 'streamAhead'
            ? streamAhead(hasher, file, { partSize: spec.partSize ?? DEFAULT_PART_SIZE, ahead: spec.ahead ?? 1e9, reader: spec.reader ?? 'default', chunkBytes: spec.chunkBytes ?? 2 * 1024 * 1024 })
            : spec.design === 'serverCrc'
            ? { ...trustingServerCrc(traced.hasher, traced.transport), dispose: () => undefined }
            : { ...traced, dispose: () => undefined };
    const uploader = await createUploader({
      getCredentials: () => window.getCredentials(),
      storage: createMemoryCheckpointStore(),
      hasher: pair.hasher,
      transport: pair.transport,
      ...(spec.partSize !== undefined ? { partSize: spec.partSize } : {}),
      ...(spec.parallel !== undefined ? { parallel: spec.parallel } : {}),
      pageEvents: null,
    });
    try {
      return await timed(() => {
        const upload = uploader.add(file, { key: name });
        traceUpload(label, upload);
        return upload.finished;
      });
    } finally {
      uploader.destroy();
      pair.dispose();
      hasher.dispose();
    }
  },

  async aliOssUpload(name, partSize, parallel) {
    const credentials = await window.getCredentials();
    const client = await aliOssClient(credentials);
    const file = selectedFile();
    trace(`ali-oss ${name}: start`);
    return timed(() =>
      client.multipartUpload(buildObjectKey(credentials.prefix, name), file, {
        partSize,
        parallel,
        progress: (fraction: number) => trace(`ali-oss ${name}: ${(fraction * 100).toFixed(0)} %`),
      }),
    );
  },

  async seedCheckpoint({ name, uploadId, partSize, doneParts }) {
    const credentials = await window.getCredentials();
    const file = selectedFile();
    const now = Date.now();
    const checkpoint: Checkpoint = {
      id: crypto.randomUUID(),
      fingerprint: await fingerprintFile(file),
      key: buildObjectKey(credentials.prefix, name),
      bucket: credentials.bucket,
      uploadId,
      name: file.name,
      size: file.size,
      type: file.type,
      lastModified: file.lastModified,
      partSize,
      doneParts,
      createdAt: now,
      updatedAt: now,
    };
    const store = await createIdbCheckpointStore();
    if (!store.persistent) throw new Error('IndexedDB is not available in this page');
    await store.put(checkpoint);
  },

  async resumeToFirstPart(name) {
    const file = selectedFile();
    const hasher = createCrc64Hasher();
    let firstPartAt: number | undefined;
    let reachedFirstPart!: () => void;
    const firstPart = new Promise<void>((resolve) => (reachedFirstPart = resolve));
    // The measurement ends when the engine hands its first part to the transport, so the part is
    // held there, never sent, until the pause aborts it: the server state stays exactly as seeded
    // (a part that reached the server would be recorded and change the next probe).
    const transport: PartTransport = {
      put({ signal }) {
        firstPartAt ??= performance.now();
        reachedFirstPart();
        return new Promise((_resolve, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(new DOMException('The part was held by the benchmark.', 'AbortError')), { once: true });
        });
      },
    };
    // Default IndexedDB storage: the checkpoint has to be found and read as after a reload.
    const uploader = await createUploader({ getCredentials: () => window.getCredentials(), transport, hasher, pageEvents: null });
    try {
      const started = performance.now();
      const upload = uploader.add(file, { key: name });
      traceUpload(`resume probe ${name}`, upload);
      await Promise.race([firstPart, upload.finished]);
      if (firstPartAt === undefined) throw new Error('the upload finished without sending a part');
      const snapshot: UploadSnapshot = upload.snapshot();
      return {
        msToFirstPart: firstPartAt - started,
        resumed: snapshot.resumed,
        bytesAlreadyDone: snapshot.progress.bytesUploaded,
        notices: snapshot.notices.map((notice) => notice.message),
      };
    } finally {
      // Pauses the upload, which aborts the held part; the bench aborts the multipart upload.
      uploader.destroy();
      hasher.dispose();
    }
  },

  resumeToFinish(name, verifyResumedParts) {
    return resumeToFinish(selectedFile(), name, verifyResumedParts);
  },

  trace: traceLines,
  slowHashes: slowHashCount,

};

window.bench = bench;
document.body.dataset.ready = 'true';
