/**
 * Puts the public engine on `window.rel` for the reliability tests. It runs with its browser
 * defaults (XHR, ali-oss, CRC worker, IndexedDB); credentials come from the test process through
 * the exposed `relCredentials` function, or from `/api/sts` when a test routes that path itself.
 * The page keeps one uploader and one upload between `evaluate` calls, and records every event,
 * so a test can ask "what did the API caller see" after the fact.
 */
import { createIdbCheckpointStore, createUploader, fetchTokenEndpoint } from '../../../src/engine/index';
import type { Credentials, RetryOptions, Upload, UploadErrorInfo, UploadResult, UploadSnapshot, Uploader } from '../../../src/engine/index';

export interface StartOptions {
  size: number;
  name: string;
  /** Seeds the bytes; the Node side computes the same bytes with `expectedBytes`. */
  seed: number;
  lastModified?: number;
  /** Set as `webkitRelativePath`, as a picked or dropped folder would. */
  relativePath?: string;
  key?: string;
  partSize?: number;
  parallel?: number;
  retry?: RetryOptions;
  /** `exposed` (default): the test's `relCredentials`; `endpoint`: GET /api/sts as the app does. */
  credentials?: 'exposed' | 'endpoint';
}

export interface Outcome {
  result: UploadResult | null;
  error: UploadErrorInfo | null;
  snapshot: UploadSnapshot;
  errorEvents: UploadErrorInfo[];
  resumable: boolean;
}

/** Same bytes as `expectedBytes` in test/reliability/support/env.ts. */
function makeFile(size: number, name: string, seed: number, lastModified = 1_700_000_000_000): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.imul(i + seed, 2654435761) >>> 24;
  return new File([bytes], name, { type: 'application/octet-stream', lastModified });
}

const exposedCredentials = (): Promise<Credentials> => (window as unknown as { relCredentials(): Promise<Credentials> }).relCredentials();

const state: { uploader?: Uploader; upload?: Upload; errorEvents: UploadErrorInfo[] } = { errorEvents: [] };

async function start(options: StartOptions): Promise<UploadSnapshot> {
  state.uploader?.destroy();
  const uploader = await createUploader({
    getCredentials: options.credentials === 'endpoint' ? fetchTokenEndpoint('/api/sts') : exposedCredentials,
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
  });
  const file = makeFile(options.size, options.name, options.seed, options.lastModified);
  if (options.relativePath !== undefined) Object.defineProperty(file, 'webkitRelativePath', { value: options.relativePath });
  const upload = uploader.add(file, options.key !== undefined ? { key: options.key } : {});
  state.uploader = uploader;
  state.upload = upload;
  state.errorEvents = [];
  upload.on('error', (info) => state.errorEvents.push(info));
  // Unhandled when the test never awaits it; the outcome is read through `outcome()` instead.
  upload.finished.catch(() => undefined);
  return upload.snapshot();
}

function current(): Upload {
  if (!state.upload) throw new Error('no upload started on this page');
  return state.upload;
}

/** Waits until the upload is done, failed or canceled (never throws for a failed upload). */
async function outcome(): Promise<Outcome> {
  const upload = current();
  let result: UploadResult | null = null;
  try {
    result = await upload.finished;
  } catch {
    // The snapshot carries the error.
  }
  const snapshot = upload.snapshot();
  return { result, error: snapshot.error, snapshot, errorEvents: [...state.errorEvents], resumable: state.uploader?.resumable ?? false };
}

/** Resolves once at least `bytes` have been confirmed by the server for the current upload. */
function whenUploaded(bytes: number): Promise<UploadSnapshot> {
  const upload = current();
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const snapshot = upload.snapshot();
      if (snapshot.progress.bytesUploaded >= bytes) resolve(snapshot);
      else if (snapshot.state === 'failed' || snapshot.state === 'canceled' || snapshot.state === 'done') reject(new Error(`upload ended as ${snapshot.state} before ${bytes} bytes`));
      else return false;
      return true;
    };
    if (check()) return;
    const timer = setInterval(() => {
      if (check()) clearInterval(timer);
    }, 10);
  });
}

/** Resolves with the snapshot once the upload is in one of `states` (e.g. past `preparing`). */
function whenState(states: UploadSnapshot['state'][]): Promise<UploadSnapshot> {
  const upload = current();
  return new Promise((resolve) => {
    const check = (): boolean => {
      const snapshot = upload.snapshot();
      if (!states.includes(snapshot.state)) return false;
      resolve(snapshot);
      return true;
    };
    if (check()) return;
    const timer = setInterval(() => {
      if (check()) clearInterval(timer);
    }, 10);
  });
}

/** Resolves once the IndexedDB checkpoint of `name` lists at least `parts` finished parts. */
async function whenCheckpointHas(name: string, parts: number): Promise<number> {
  const store = await createIdbCheckpointStore();
  for (;;) {
    const checkpoint = (await store.list()).find((c) => c.name === name);
    if (checkpoint && checkpoint.doneParts.length >= parts) return checkpoint.doneParts.length;
    // A finished upload deletes its checkpoint: waiting on would never end.
    const ended = state.upload?.snapshot().state;
    if (ended === 'done' || ended === 'failed' || ended === 'canceled') throw new Error(`upload ended as ${ended} before ${parts} parts were recorded`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rel = { start, outcome, whenUploaded, whenState, whenCheckpointHas, current, state, listUnfinished: () => state.uploader?.listUnfinished() ?? Promise.resolve([]) };

export type Rel = typeof rel;

(window as unknown as { rel: Rel }).rel = rel;
document.body.dataset.ready = 'true';
