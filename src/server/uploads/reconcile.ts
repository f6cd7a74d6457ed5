import { keyBaseName } from './keys';
import { mapLimited } from './map-limited';
import type { ListedObject, UploadObjects } from './oss-objects';
import type { UploadStore } from './store';

/**
 * Records the objects under a visitor's prefix that have no record: uploads whose callback failed
 * (203 CallbackFailed) or never came, and whose browser did not confirm them either (the tab closed).
 * OSS is the source of truth: only the visitor's own STS credentials can write under that prefix, so
 * every object there is one of its finished uploads (ListObjects lists finished objects only, never
 * multipart uploads in progress).
 *
 * A pass lists the prefix from where the previous pass stopped (ListObjects, `pageSize` keys a page,
 * at most `maxPages` pages), asks the database which listed keys have records, HEADs the others (at
 * most `maxHeads` a pass, 4 at a time) and records what the HEAD found; the name comes from the
 * object's Content-Disposition when it has one, otherwise the key's last segment. A pass that ran out
 * of pages or HEADs continues at the next one; after the last page the next pass starts over.
 *
 * A deleted record never comes back: DELETE removes the object before its record, so a key without a
 * record is either still stored (and recorded here) or gone (HEAD 404, skipped). The one interleaving
 * left (our HEAD, then a callback records the key and the visitor deletes it, then our insert) is
 * caught by a second HEAD after each new record: gone, or holding other content, drops it again.
 */
export interface Reconciler {
  /**
   * A pass for `subject` unless one started less than `intervalMs` ago (null then); concurrent
   * callers share the running pass. Throws what the storage or the database threw.
   */
  reconcile(subject: string): Promise<ReconcileReport | null>;
}

export interface ReconcileReport {
  /** Keys listed in this pass. */
  listed: number;
  /** Records made in this pass. */
  recorded: number;
  /** True when the pass reached the end of the prefix. */
  complete: boolean;
}

export interface ReconcilerOptions {
  store: UploadStore;
  objects: UploadObjects;
  now?: () => number;
  /** At most one pass per visitor per this many ms, per process (default 30 s). */
  intervalMs?: number;
  /** ListObjects pages a pass reads (default 3). */
  maxPages?: number;
  /** Keys a page (1..1000, default 1000, OSS's maximum). */
  pageSize?: number;
  /** HEADs a pass makes (default 50). */
  maxHeads?: number;
}

export const RECONCILE_INTERVAL_MS = 30_000;
const HEAD_CONCURRENCY = 4;
/** Above this many visitors remembered, the ones idle for an interval are forgotten. */
const SWEEP_ABOVE = 10_000;

export function createReconciler({
  store,
  objects,
  now = Date.now,
  intervalMs = RECONCILE_INTERVAL_MS,
  maxPages = 3,
  pageSize = 1000,
  maxHeads = 50,
}: ReconcilerOptions): Reconciler {
  if (!(pageSize >= 1 && pageSize <= 1000)) throw new Error('createReconciler: pageSize must be 1 to 1000');
  const started = new Map<string, number>();
  /** Where each visitor's next pass continues ('' or absent: from the start). */
  const markers = new Map<string, string>();
  const running = new Map<string, Promise<ReconcileReport>>();

  function sweep(): void {
    for (const [subject, at] of started) {
      if (now() - at >= intervalMs && !running.has(subject)) {
        started.delete(subject);
        markers.delete(subject);
      }
    }
  }

  /** Records `listed` if it is still stored; true when a record was made. */
  async function recordOne(subject: string, listed: ListedObject): Promise<boolean> {
    const stored = await objects.head(subject, listed.key);
    if (!stored) return false;
    const { size, etag, crc64, mimeType, contentDisposition } = stored;
    const name = fileNameOfDisposition(contentDisposition ?? null) ?? keyBaseName(listed.key);
    const lastModified = new Date(listed.lastModified);
    const { record, created } = await store.record({
      subject,
      key: listed.key,
      size,
      etag,
      crc64,
      mimeType,
      name,
      recordedBy: 'reconcile',
      ...(Number.isNaN(lastModified.getTime()) ? {} : { createdAt: lastModified }),
    });
    if (!created) return false;
    const again = await objects.head(subject, listed.key);
    if (!again || again.etag !== etag) {
      await store.removeByKey(listed.key, record.id);
      return false;
    }
    return true;
  }

  async function pass(subject: string): Promise<ReconcileReport> {
    let marker = markers.get(subject) ?? '';
    let heads = 0;
    let listed = 0;
    let recorded = 0;
    let complete = false;
    for (let page = 0; page < maxPages && heads < maxHeads; page++) {
      const listing = await objects.list(subject, { marker, maxKeys: pageSize });
      listed += listing.objects.length;
      const known = await store.recordedKeys(listing.objects.map((object) => object.key));
      const missing = listing.objects.filter((object) => !known.has(object.key));
      const batch = missing.slice(0, maxHeads - heads);
      heads += batch.length;
      const results = await mapLimited(batch, HEAD_CONCURRENCY, (object) => recordOne(subject, object));
      recorded += results.filter(Boolean).length;
      if (batch.length < missing.length) {
        // Out of HEADs: the next pass starts at the first key not looked at.
        const first = listing.objects.indexOf(missing[batch.length]!);
        marker = first === 0 ? marker : listing.objects[first - 1]!.key;
        break;
      }
      if (listing.nextMarker === null) {
        marker = '';
        complete = true;
        break;
      }
      marker = listing.nextMarker;
    }
    markers.set(subject, marker);
    return { listed, recorded, complete };
  }

  return {
    reconcile(subject) {
      const pending = running.get(subject);
      if (pending) return pending;
      const last = started.get(subject);
      if (last !== undefined && now() - last < intervalMs) return Promise.resolve(null);
      if (started.size >= SWEEP_ABOVE) sweep();
      started.set(subject, now());
      const work = pass(subject).finally(() => running.delete(subject));
      running.set(subject, work);
      return work;
    },
  };
}

/**
 * The file name of a stored `Content-Disposition` (RFC 6266): `filename*=UTF-8''…` (RFC 5987) first,
 * then a quoted or plain `filename`; null when there is none.
 */
export function fileNameOfDisposition(value: string | null): string | null {
  if (!value) return null;
  const extended = /(?:^|;)\s*filename\*\s*=\s*utf-8'[^']*'([^;\s]+)/i.exec(value);
  if (extended) {
    try {
      const name = decodeURIComponent(extended[1]!);
      if (name.trim() !== '') return name;
    } catch {
      // Not percent-encoding: fall back to filename.
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(value);
  const name = plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2] ?? '') : '';
  return name.trim() === '' ? null : name;
}
