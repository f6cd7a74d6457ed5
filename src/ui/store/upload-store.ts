import { computed, onScopeDispose, ref, shallowReactive, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import type {
  AddOptions,
  UnfinishedUpload,
  Upload,
  UploadErrorInfo,
  Uploader,
  UploadResult,
  UploadSnapshot,
} from '../../engine/contracts';
import { relativePathOf } from '../files/relative-path';
import { handleOf } from '../files/file-handles';
import { pendingRow, rowFromSnapshot, type UploadRow } from './upload-row';
import { RowTotals, sameTotals } from './row-totals';
import { createTimeSlicer } from './time-slice';

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
    /**
     * Shallow: a row is a plain object replaced whole when its upload changes, so a change costs
     * one slot of the array (only what reads that slot updates), never a deep proxy per row.
     */
    const rows = shallowReactive<UploadRow[]>([]);
    const unfinished = ref<UnfinishedUpload[]>([]);
    const status = ref<EngineStatus>('idle');
    const startError = ref<string | null>(null);
    const resumable = ref(true);
    /** The engine is running, so it can continue an unfinished upload from its saved file handle (`resumeUnfinished`). */
    const resumesFromHandles = ref(false);
    /** Why a one-click resume of an unfinished upload failed, by its id; cleared on the next try. */
    const resumeErrors = ref<Record<string, UploadErrorInfo>>({});

    let uploader: Uploader | null = null;
    let starting: Promise<Uploader | null> | null = null;
    /** Bumped by dispose(), so an engine that finishes starting after a reset is thrown away. */
    let generation = 0;
    let pendingCounter = 0;
    /** Files given to addFiles and not listed yet (it lists them in slices). */
    let unlisted = 0;
    const uploads = new Map<string, Upload>();
    const pendingFiles = new Map<string, { file: File; key: string | undefined }>();
    const unsubscribes: Array<() => void> = [];
    const listeners = new Set<(event: UploadStoreEvent) => void>();
    const rowListeners = new Set<(changed: readonly UploadRow[]) => void>();

    /** Where each row id is in `rows` (the first, should an id appear twice); rebuilt only on removal. */
    const positions = new Map<string, number>();
    const counted = new RowTotals();
    const totals = shallowRef<UploadTotals>(counted.snapshot());
    /** Rows waiting for Start. */
    const pendingCount = ref(0);
    /** Keys of resumed rows (how many rows each), for `visibleUnfinished`. */
    const resumedKeys = new Map<string, number>();
    /** IDENTITY_CHANGED notices by row id, for `unfinishedErrors`; few rows ever have one. */
    const identityNotices = new Map<string, Record<string, UploadErrorInfo>>();
    /** Bumped when row ids, resumed keys or identity notices change: what the two lists below read. */
    const membership = ref(0);

    /** Puts `row` at `index` (or at the end), keeping totals and lookups in step. */
    function setRow(row: UploadRow, index: number = rows.length): void {
      const before = rows[index];
      counted.replace(before, row);
      if (index === rows.length) rows.push(row);
      else rows[index] = row;
      if (before?.id !== row.id) {
        if (before && positions.get(before.id) === index) positions.delete(before.id);
        if (!positions.has(row.id)) positions.set(row.id, index);
        membership.value++;
      }
      if (trackMembership(before, row)) membership.value++;
    }

    /** Follows resumed keys and identity notices; true when either changed. */
    function trackMembership(before: UploadRow | undefined, after: UploadRow | undefined): boolean {
      let changed = false;
      const beforeKey = before?.resumed ? before.key : null;
      const afterKey = after?.resumed ? after.key : null;
      if (beforeKey !== afterKey) {
        if (beforeKey !== null) {
          const left = (resumedKeys.get(beforeKey) ?? 1) - 1;
          if (left === 0) resumedKeys.delete(beforeKey);
          else resumedKeys.set(beforeKey, left);
        }
        if (afterKey !== null) resumedKeys.set(afterKey, (resumedKeys.get(afterKey) ?? 0) + 1);
        changed = true;
      }
      const id = after?.id ?? before?.id;
      const notices = after ? identityNoticesOf(after) : undefined;
      if (id !== undefined && (notices || identityNotices.has(id))) {
        if (notices) identityNotices.set(id, notices);
        else identityNotices.delete(id);
        changed = true;
      }
      return changed;
    }

    /** After a batch of row changes: one totals update, and the rows to whoever follows them. */
    function publish(changed: readonly UploadRow[]): void {
      const next = counted.snapshot();
      if (!sameTotals(next, totals.value)) totals.value = next;
      pendingCount.value = counted.pending;
      if (changed.length === 0) return;
      for (const listener of rowListeners) listener(changed);
    }

    function removeRowAt(index: number): void {
      const [removed] = rows.splice(index, 1);
      if (!removed) return;
      counted.replace(removed, undefined);
      trackMembership(removed, undefined);
      positions.clear();
      rows.forEach((row, at) => {
        if (!positions.has(row.id)) positions.set(row.id, at);
      });
      membership.value++;
    }

    /**
     * Why an unfinished upload cannot be resumed, by its id: its one-click resume failed, or an
     * upload of the same file was told it had been started under another identity (IDENTITY_CHANGED).
     */
    const unfinishedErrors = computed<Record<string, UploadErrorInfo>>(() => {
      void membership.value;
      const elsewhere: Record<string, UploadErrorInfo> = {};
      for (const index of [...identityNotices.keys()].map((id) => positions.get(id) ?? -1).sort((a, b) => a - b)) {
        const row = rows[index];
        if (row) Object.assign(elsewhere, identityNotices.get(row.id));
      }
      return { ...elsewhere, ...resumeErrors.value };
    });

    /** Unfinished uploads not already continuing in this page. */
    const visibleUnfinished = computed(() => {
      void membership.value;
      return unfinished.value.filter((item) => !positions.has(item.id) && !resumedKeys.has(item.key));
    });

    function emit(event: UploadStoreEvent): void {
      for (const listener of listeners) listener(event);
    }

    function indexOf(rowId: string): number {
      return positions.get(rowId) ?? -1;
    }

    function applySnapshot(snapshot: UploadSnapshot): UploadRow | undefined {
      const index = indexOf(snapshot.id);
      const current = rows[index];
      // Rows come only from add(); a change for an unknown id is one this store already dropped.
      if (!current) return undefined;
      const row = rowFromSnapshot(snapshot, current.expectedResume);
      setRow(row, index);
      return row;
    }

    function applyAll(snapshots: readonly UploadSnapshot[]): void {
      const changed: UploadRow[] = [];
      for (const snapshot of snapshots) {
        const row = applySnapshot(snapshot);
        if (row) changed.push(row);
      }
      publish(changed);
      for (const row of changed) emit({ type: 'progress', row });
    }

    /** Only the uploads that changed (`onUpdate`). */
    function listen(engine: Uploader): void {
      unsubscribes.push(engine.onUpdate(applyAll));
    }

    function applyFinal(snapshot: UploadSnapshot): UploadRow | undefined {
      const row = applySnapshot(snapshot);
      publish(row ? [row] : []);
      return row;
    }

    function track(upload: Upload): void {
      uploads.set(upload.id, upload);
      unsubscribes.push(
        upload.on('done', (result, snapshot) => {
          const row = applyFinal(snapshot);
          if (row) emit({ type: 'success', result: { ...result }, row });
        }),
        upload.on('error', (error, snapshot) => {
          const row = applyFinal(snapshot);
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
          resumesFromHandles.value = true;
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

    /** Names (and folder paths) of the unfinished uploads, looked up once per list rather than per file. */
    let unfinishedNames: { from: UnfinishedUpload[]; names: Set<string> } | null = null;

    function expectsResume(file: File): boolean {
      if (unfinished.value.length === 0) return false;
      if (unfinishedNames?.from !== unfinished.value) {
        unfinishedNames = { from: unfinished.value, names: new Set(unfinished.value.map((item) => nameKey(item.name, item.relativePath))) };
      }
      return unfinishedNames.names.has(nameKey(file.name, relativePathOf(file)));
    }

    function addToEngine(engine: Uploader, pendingId: string): UploadRow | undefined {
      const pending = pendingFiles.get(pendingId);
      const index = indexOf(pendingId);
      if (!pending || index < 0) return undefined; // removed while waiting for the engine
      pendingFiles.delete(pendingId);
      return giveToEngine(engine, pending.file, pending.key, index);
    }

    /** Hands one file to the engine; its row goes at `index` (replacing its pending row) or at the end. */
    function giveToEngine(engine: Uploader, file: File, key: string | undefined, index?: number): UploadRow {
      const handle = handleOf(file);
      const options: AddOptions = {
        ...(key === undefined ? {} : { key }),
        ...(handle ? { handle } : {}),
      };
      const upload = engine.add(file, options);
      const row = rowFromSnapshot(upload.snapshot(), expectsResume(file));
      setRow(row, index);
      track(upload);
      return row;
    }

    /**
     * Lists the files and, with autoStart, hands them to the engine (else on startPending()), in
     * slices of a few milliseconds: the first files start uploading while later ones are listed,
     * and a folder of 10,000 files never blocks the page in one long task (in Chromium, the first
     * read of a picked file's size or date is a synchronous call to the browser, a few hundred
     * microseconds each). With the engine already running, a row is made from its upload at once;
     * otherwise rows wait as `pending` until the engine is ready.
     */
    async function addFiles(files: readonly File[], options: AddFilesOptions): Promise<void> {
      const engine = options.autoStart ? uploader : null;
      const ids: string[] = [];
      // Counted from now on (see selectedCount); a reset forgets them with everything else.
      const startedIn = generation;
      let left = files.length;
      unlisted += left;
      let finished = false;
      try {
        finished = await inSlices(files, (file) => {
          left -= 1;
          unlisted -= 1;
          const key = options.keyOf?.(file);
          if (engine) return giveToEngine(engine, file, key);
          const pendingId = `pending-${++pendingCounter}`;
          pendingFiles.set(pendingId, { file, key });
          const row = pendingRow(pendingId, file);
          setRow(row);
          ids.push(pendingId);
          return row;
        });
      } finally {
        // Files a failure left unlisted are not coming.
        if (startedIn === generation) unlisted -= left;
      }
      if (finished && options.autoStart && ids.length > 0) await startPending(ids);
    }

    /**
     * Hands the files to the engine in slices of a few milliseconds, so a folder of 10,000 files
     * never blocks the page in one long task; the first files start uploading meanwhile.
     */
    async function startPending(ids: readonly string[] = [...pendingFiles.keys()]): Promise<void> {
      const engine = await start();
      if (!engine) return;
      await inSlices(ids, (pendingId) => addToEngine(engine, pendingId));
    }

    /**
     * Runs `each` over `items` in time slices, publishing the rows each slice changed. False when the
     * list was cleared meanwhile (a new generation): the rest of the items are dropped.
     */
    async function inSlices<T>(items: readonly T[], each: (item: T) => UploadRow | null | undefined): Promise<boolean> {
      const startedIn = generation;
      const slicer = createTimeSlicer();
      let changed: UploadRow[] = [];
      for (const item of items) {
        const row = each(item);
        if (row) changed.push(row);
        if (!slicer.due()) continue;
        publish(changed);
        changed = [];
        await slicer.pause();
        if (startedIn !== generation) return false;
      }
      publish(changed);
      return true;
    }

    /**
     * Files in the list (canceled ones aside) plus those still being listed: what `limit` counts, so
     * a selection made while an earlier one is still being listed cannot take the list past it.
     * Read when needed; not reactive.
     */
    function selectedCount(): number {
      return counted.files + unlisted;
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
      const row = rows[indexOf(rowId)];
      if (row && row.state !== 'done' && row.state !== 'canceled') await cancel(rowId);
      pendingFiles.delete(rowId);
      uploads.delete(rowId);
      for (let index = indexOf(rowId); index >= 0; index = indexOf(rowId)) removeRowAt(index);
      publish([]);
    }

    /**
     * One-click resume of an unfinished upload from its saved file handle. Call it straight from
     * the click handler: the engine asks for read permission first, which needs the user gesture,
     * so nothing is awaited before it when the engine is running. On failure the entry stays, with
     * the reason in `resumeErrors`; selecting the file again still resumes it.
     */
    async function resumeUnfinished(unfinishedId: string): Promise<void> {
      const engine = uploader ?? (await start());
      if (!engine) return;
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
      const row = rowFromSnapshot(upload.snapshot(), true);
      setRow(row);
      publish([row]);
      track(upload);
      unfinished.value = unfinished.value.filter((item) => item.id !== unfinishedId);
    }

    async function discardUnfinished(unfinishedId: string): Promise<void> {
      const engine = await start();
      if (!engine) return;
      await engine.discardUnfinished(unfinishedId);
      unfinished.value = unfinished.value.filter((item) => item.id !== unfinishedId);
    }

    /**
     * Every row added or changed, in batches (one per engine event or added selection): what a
     * follower of many rows (the screen-reader announcer) needs without watching them all.
     */
    function onRowsChanged(listener: (changed: readonly UploadRow[]) => void): () => void {
      rowListeners.add(listener);
      return () => rowListeners.delete(listener);
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
      rows.splice(0);
      unlisted = 0;
      positions.clear();
      resumedKeys.clear();
      identityNotices.clear();
      counted.clear();
      membership.value++;
      publish([]);
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
      pendingCount,
      visibleUnfinished,
      start,
      addFiles,
      selectedCount,
      startPending,
      pause,
      resume,
      retry,
      cancel,
      remove,
      discardUnfinished,
      resumeUnfinished,
      onUploadEvent,
      onRowsChanged,
      $reset,
    };
  });
}

function nameKey(name: string, relativePath: string | undefined): string {
  return `${relativePath ?? ''}\u0000${name}`;
}

/** The IDENTITY_CHANGED notices of a row, by the unfinished upload they name; undefined when none. */
function identityNoticesOf(row: UploadRow): Record<string, UploadErrorInfo> | undefined {
  let found: Record<string, UploadErrorInfo> | undefined;
  for (const notice of row.notices) {
    if (notice.code !== 'IDENTITY_CHANGED' || notice.unfinishedId === undefined) continue;
    (found ??= {})[notice.unfinishedId] = { code: 'IDENTITY_CHANGED', message: notice.message, retryable: false };
  }
  return found;
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
