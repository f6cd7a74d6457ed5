import { computed, onScopeDispose, ref } from 'vue';
import { defineStore } from 'pinia';
import type {
  AddOptions,
  UnfinishedUpload,
  Upload,
  UploadErrorInfo,
  Uploader,
  UploadResult,
  UploadSnapshot,
} from '../../engine/types';
import { relativePathOf } from '../files/relative-path';
import { handleOf } from '../files/file-handles';
import { ACTIVE_STATES, pendingRow, rowFromSnapshot, type UploadRow } from './upload-row';

/** Creates the engine; injected so tests (and hosts) can supply their own. */
export type UploaderFactory = () => Promise<Uploader>;

export type EngineStatus = 'idle' | 'starting' | 'ready' | 'failed';

export interface UploadTotals {
  files: number;
  finished: number;
  bytesUploaded: number;
  bytesTotal: number;
  /** Bytes per second over all running uploads. */
  speed: number;
  /** Some upload is moving bytes or about to. */
  active: boolean;
}

export type UploadStoreEvent =
  | { type: 'progress'; row: UploadRow }
  | { type: 'success'; result: UploadResult; row: UploadRow }
  | { type: 'error'; error: UploadErrorInfo; row: UploadRow };

export interface AddFilesOptions {
  autoStart: boolean;
  /** Object key for a file, relative to the credentials' prefix; undefined → engine default. */
  keyOf?: (file: File) => string | undefined;
}

/**
 * A setup store around one engine instance. The engine lives in this closure only: it is never
 * returned and never put in a ref, because Vue's proxies break its private fields. Engine events
 * are copied into plain rows one way (engine → store → components); components call actions.
 */
export function defineUploadStore(id: string, createUploader: UploaderFactory) {
  return defineStore(id, () => {
    const rows = ref<UploadRow[]>([]);
    const unfinished = ref<UnfinishedUpload[]>([]);
    const status = ref<EngineStatus>('idle');
    const startError = ref<string | null>(null);
    const resumable = ref(true);
    /** The engine can continue an unfinished upload from its saved file handle (`resumeUnfinished`). */
    const resumesFromHandles = ref(false);
    /** Why a one-click resume of an unfinished upload failed, by its id; cleared on the next try. */
    const resumeErrors = ref<Record<string, UploadErrorInfo>>({});

    let uploader: Uploader | null = null;
    let starting: Promise<Uploader | null> | null = null;
    /** Bumped by dispose(), so an engine that finishes starting after a reset is thrown away. */
    let generation = 0;
    let pendingCounter = 0;
    const uploads = new Map<string, Upload>();
    const pendingFiles = new Map<string, { file: File; key: string | undefined }>();
    const unsubscribes: Array<() => void> = [];
    const listeners = new Set<(event: UploadStoreEvent) => void>();

    const totals = computed<UploadTotals>(() => {
      const counted = rows.value.filter((row) => row.state !== 'canceled');
      return {
        files: counted.length,
        finished: counted.filter((row) => row.state === 'done').length,
        bytesUploaded: counted.reduce((sum, row) => sum + row.progress.bytesUploaded, 0),
        bytesTotal: counted.reduce((sum, row) => sum + row.size, 0),
        speed: counted.filter((row) => row.state === 'uploading').reduce((sum, row) => sum + row.progress.speed, 0),
        active: counted.some((row) => ACTIVE_STATES.has(row.state)),
      };
    });

    /**
     * Why an unfinished upload cannot be resumed, by its id: its one-click resume failed, or an
     * upload of the same file was told it had been started under another identity (IDENTITY_CHANGED).
     */
    const unfinishedErrors = computed<Record<string, UploadErrorInfo>>(() => {
      const elsewhere: Record<string, UploadErrorInfo> = {};
      for (const row of rows.value) {
        for (const notice of row.noticeDetails ?? []) {
          if (notice.code !== 'IDENTITY_CHANGED' || notice.unfinishedId === undefined) continue;
          elsewhere[notice.unfinishedId] = { code: 'IDENTITY_CHANGED', message: notice.message, retryable: false };
        }
      }
      return { ...elsewhere, ...resumeErrors.value };
    });

    /** Unfinished uploads not already continuing in this page. */
    const visibleUnfinished = computed(() =>
      unfinished.value.filter(
        (item) => !rows.value.some((row) => row.id === item.id || (row.resumed && row.key === item.key)),
      ),
    );

    function emit(event: UploadStoreEvent): void {
      for (const listener of listeners) listener(event);
    }

    function indexOf(rowId: string): number {
      return rows.value.findIndex((row) => row.id === rowId);
    }

    function applySnapshot(snapshot: UploadSnapshot): UploadRow | undefined {
      const index = indexOf(snapshot.id);
      const current = rows.value[index];
      // Rows come only from add(); a change for an unknown id is one this store already dropped.
      if (!current) return undefined;
      const row = rowFromSnapshot(snapshot, current.expectedResume);
      rows.value[index] = row;
      return row;
    }

    function listen(engine: Uploader): void {
      unsubscribes.push(
        engine.on('change', (snapshots) => {
          for (const snapshot of snapshots) {
            const row = applySnapshot(snapshot);
            if (row) emit({ type: 'progress', row });
          }
        }),
      );
    }

    function track(upload: Upload): void {
      uploads.set(upload.id, upload);
      unsubscribes.push(
        upload.on('done', (result, snapshot) => {
          const row = applySnapshot(snapshot);
          if (row) emit({ type: 'success', result: { ...result }, row });
        }),
        upload.on('error', (error, snapshot) => {
          const row = applySnapshot(snapshot);
          if (row) emit({ type: 'error', error: { ...error }, row });
        }),
      );
    }

    /** Creates the engine once and loads the unfinished uploads; later calls share the first. */
    function start(): Promise<Uploader | null> {
      const startedIn = generation;
      starting ??= (async () => {
        status.value = 'starting';
        try {
          const engine = await createUploader();
          if (startedIn !== generation) {
            engine.destroy(); // the store was reset while the engine was being created
            return null;
          }
          uploader = engine;
          resumable.value = engine.resumable;
          resumesFromHandles.value = typeof engine.resumeUnfinished === 'function';
          listen(engine);
          const remembered = await engine.listUnfinished();
          if (startedIn !== generation) return null;
          unfinished.value = remembered;
          status.value = 'ready';
          return engine;
        } catch (error) {
          status.value = 'failed';
          startError.value = error instanceof Error ? error.message : String(error);
          return null;
        }
      })();
      return starting;
    }

    function expectsResume(file: File): boolean {
      const path = relativePathOf(file);
      return unfinished.value.some((item) => item.name === file.name && item.relativePath === path);
    }

    function addToEngine(engine: Uploader, pendingId: string): void {
      const pending = pendingFiles.get(pendingId);
      const index = indexOf(pendingId);
      if (!pending || index < 0) return; // removed while waiting for the engine
      pendingFiles.delete(pendingId);
      const handle = handleOf(pending.file);
      const options: AddOptions = {
        ...(pending.key === undefined ? {} : { key: pending.key }),
        ...(handle ? { handle } : {}),
      };
      const upload = engine.add(pending.file, options);
      rows.value[index] = rowFromSnapshot(upload.snapshot(), expectsResume(pending.file));
      track(upload);
    }

    /** Lists the files at once; hands them to the engine now (autoStart) or on startPending(). */
    async function addFiles(files: readonly File[], options: AddFilesOptions): Promise<void> {
      const ids = files.map((file) => {
        const pendingId = `pending-${++pendingCounter}`;
        pendingFiles.set(pendingId, { file, key: options.keyOf?.(file) });
        rows.value.push(pendingRow(pendingId, file));
        return pendingId;
      });
      if (options.autoStart) await startPending(ids);
    }

    async function startPending(ids: readonly string[] = [...pendingFiles.keys()]): Promise<void> {
      const engine = await start();
      if (!engine) return;
      for (const pendingId of ids) addToEngine(engine, pendingId);
    }

    function pause(rowId: string): void {
      uploads.get(rowId)?.pause();
    }

    function resume(rowId: string): void {
      uploads.get(rowId)?.resume();
    }

    function retry(rowId: string): void {
      uploads.get(rowId)?.retry();
    }

    async function cancel(rowId: string): Promise<void> {
      await uploads.get(rowId)?.cancel();
    }

    /** Forgets a row; an upload that may still hold server parts is canceled first. */
    async function remove(rowId: string): Promise<void> {
      const row = rows.value[indexOf(rowId)];
      if (row && row.state !== 'done' && row.state !== 'canceled') await cancel(rowId);
      pendingFiles.delete(rowId);
      uploads.delete(rowId);
      rows.value = rows.value.filter((item) => item.id !== rowId);
    }

    /**
     * One-click resume of an unfinished upload from its saved file handle. Call it straight from
     * the click handler: the engine asks for read permission first, which needs the user gesture,
     * so nothing is awaited before it when the engine is running. On failure the entry stays, with
     * the reason in `resumeErrors`; selecting the file again still resumes it.
     */
    async function resumeUnfinished(unfinishedId: string): Promise<void> {
      const engine = uploader ?? (await start());
      if (!engine?.resumeUnfinished) return;
      const { [unfinishedId]: _previous, ...others } = resumeErrors.value;
      resumeErrors.value = others;
      let upload: Upload;
      try {
        upload = await engine.resumeUnfinished(unfinishedId);
      } catch (error) {
        resumeErrors.value = { ...resumeErrors.value, [unfinishedId]: errorInfoOf(error) };
        return;
      }
      if (uploads.has(upload.id)) return; // a second click while the first was resuming
      rows.value.push(rowFromSnapshot(upload.snapshot(), true));
      track(upload);
      unfinished.value = unfinished.value.filter((item) => item.id !== unfinishedId);
    }

    async function discardUnfinished(unfinishedId: string): Promise<void> {
      const engine = await start();
      if (!engine) return;
      await engine.discardUnfinished(unfinishedId);
      unfinished.value = unfinished.value.filter((item) => item.id !== unfinishedId);
    }

    /** Subscribe to per-upload results; returns the unsubscribe. */
    function onUploadEvent(listener: (event: UploadStoreEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }

    function dispose(): void {
      generation += 1;
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      uploader?.destroy();
      uploader = null;
      starting = null;
      uploads.clear();
      pendingFiles.clear();
    }

    /** Stops the engine and forgets everything; start() makes a fresh engine. */
    function $reset(): void {
      dispose();
      rows.value = [];
      unfinished.value = [];
      status.value = 'idle';
      startError.value = null;
      resumable.value = true;
      resumesFromHandles.value = false;
      resumeErrors.value = {};
    }

    onScopeDispose(dispose);

    return {
      rows,
      unfinished,
      status,
      startError,
      resumable,
      resumesFromHandles,
      resumeErrors,
      unfinishedErrors,
      totals,
      visibleUnfinished,
      start,
      addFiles,
      startPending,
      pause,
      resume,
      retry,
      cancel,
      remove,
      discardUnfinished,
      resumeUnfinished,
      onUploadEvent,
      $reset,
    };
  });
}

/**
 * The engine rejects with an UploadError carrying `info`; anything else is unexpected. Read by
 * shape, not `instanceof`, so this module does not pull engine code into the page's first chunk.
 */
function errorInfoOf(error: unknown): UploadErrorInfo {
  const info = (error as { info?: Partial<UploadErrorInfo> } | null)?.info;
  if (info && typeof info.code === 'string' && typeof info.message === 'string') return { retryable: false, ...info } as UploadErrorInfo;
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error), retryable: true };
}

export type UploadStoreDefinition = ReturnType<typeof defineUploadStore>;
export type UploadStore = ReturnType<UploadStoreDefinition>;
