import { randomUUID } from 'node:crypto';
import type { UploadRecord } from '../../shared/token-response';
import type { Database, Queryable } from './database';

/** What a record is made of; the object facts come from OSS (a HEAD), never from the browser. */
export interface NewUpload {
  subject: string;
  key: string;
  /** Without quotes. */
  etag: string;
  size: number;
  crc64: string | null;
  mimeType: string | null;
  name: string;
  /** 'reconcile': found under the visitor's prefix by listing it (see reconcile.ts). */
  recordedBy: 'callback' | 'confirm' | 'reconcile';
  /** When the record says the upload finished; now by default (reconciliation gives the object's Last-Modified). */
  createdAt?: Date;
}

export interface ListPage {
  records: UploadRecord[];
  nextCursor: string | null;
}

export interface UploadStore {
  /**
   * Records the object, once: the same key with the same ETag gives back the existing record
   * (`created: false`), so a replayed callback or a repeated confirm adds nothing. The same key with
   * another ETag (the object was replaced) drops the old record and makes a new one.
   */
  record(upload: NewUpload): Promise<{ record: UploadRecord; created: boolean }>;
  /** Newest first; `cursor` is a previous page's `nextCursor`. Throws CursorError on a bad cursor. */
  list(subject: string, options: { limit: number; cursor?: string | undefined }): Promise<ListPage>;
  get(subject: string, id: string): Promise<UploadRecord | null>;
  /** True when there was such a record. */
  remove(subject: string, id: string): Promise<boolean>;
  /** Which of `keys` have a record (of any visitor). */
  recordedKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Removes the record of `key` if it is still the one with `id` (a reconciled record found stale). */
  removeByKey(key: string, id: string): Promise<boolean>;
}

export class CursorError extends Error {
  override readonly name = 'CursorError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUploadId(id: string): boolean {
  return UUID.test(id);
}

const COLUMNS = `id::text AS id, object_key, file_name, size::float8 AS size, crc64, etag, mime_type,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

interface Row {
  id: string;
  object_key: string;
  file_name: string;
  size: number;
  crc64: string | null;
  etag: string;
  mime_type: string | null;
  created_at: string;
}

function toRecord(row: Row): UploadRecord {
  return {
    id: row.id,
    key: row.object_key,
    name: row.file_name,
    size: Number(row.size),
    crc64: row.crc64,
    etag: row.etag,
    mimeType: row.mime_type,
    createdAt: row.created_at,
  };
}

export function createUploadStore(db: Database, options: { now?: () => number } = {}): UploadStore {
  const now = options.now ?? Date.now;

  async function byKey(tx: Queryable, key: string): Promise<(Row & { subject: string; recorded_by: string }) | null> {
    const { rows } = await tx.query<Row & { subject: string; recorded_by: string }>(`SELECT ${COLUMNS}, subject, recorded_by FROM uploads WHERE object_key = $1`, [key]);
    return rows[0] ?? null;
  }

  return {
    async record(upload) {
      return db.transaction(async (tx) => {
        const existing = await byKey(tx, upload.key);
        if (existing && existing.etag === upload.etag && existing.subject === upload.subject) {
          // Reconciliation found the object before its callback or confirm arrived: keep the record,
          // with the name the browser gave (reconciliation only knew the key or Content-Disposition).
          if (existing.recorded_by === 'reconcile' && upload.recordedBy !== 'reconcile') {
            const { rows } = await tx.query<Row>(`UPDATE uploads SET file_name = $2, recorded_by = $3 WHERE object_key = $1 RETURNING ${COLUMNS}`, [upload.key, upload.name, upload.recordedBy]);
            if (rows[0]) return { record: toRecord(rows[0]), created: false };
          }
          return { record: toRecord(existing), created: false };
        }
        if (existing) await tx.query('DELETE FROM uploads WHERE object_key = $1', [upload.key]);
        const { rows } = await tx.query<Row>(
          `INSERT INTO uploads (id, subject, object_key, etag, size, crc64, mime_type, file_name, recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (object_key) DO NOTHING
           RETURNING ${COLUMNS}`,
          [randomUUID(), upload.subject, upload.key, upload.etag, upload.size, upload.crc64, upload.mimeType, upload.name, upload.recordedBy, (upload.createdAt ?? new Date(now())).toISOString()],
        );
        if (rows[0]) return { record: toRecord(rows[0]), created: true };
        // Another instance recorded the same object between our SELECT and INSERT.
        const raced = await byKey(tx, upload.key);
        if (!raced) throw new Error('upload record vanished while being written');
        return { record: toRecord(raced), created: false };
      });
    },

    async list(subject, { limit, cursor }) {
      const after = cursor === undefined ? null : parseCursor(cursor);
      const { rows } = await db.query<Row>(
        after
          ? `SELECT ${COLUMNS} FROM uploads WHERE subject = $1 AND (created_at, id) < ($3::timestamptz, $4::uuid)
             ORDER BY created_at DESC, id DESC LIMIT $2`
          : `SELECT ${COLUMNS} FROM uploads WHERE subject = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
        after ? [subject, limit + 1, after.createdAt, after.id] : [subject, limit + 1],
      );
      const records = rows.slice(0, limit).map(toRecord);
      const last = records.at(-1);
      return { records, nextCursor: rows.length > limit && last ? makeCursor(last) : null };
    },

    async get(subject, id) {
      if (!isUploadId(id)) return null;
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM uploads WHERE id = $1 AND subject = $2`, [id, subject]);
      return rows[0] ? toRecord(rows[0]) : null;
    },

    async remove(subject, id) {
      if (!isUploadId(id)) return false;
      const { rows } = await db.query<{ id: string }>('DELETE FROM uploads WHERE id = $1 AND subject = $2 RETURNING id::text AS id', [id, subject]);
      return rows.length > 0;
    },

    async recordedKeys(keys) {
      if (keys.length === 0) return new Set();
      const { rows } = await db.query<{ object_key: string }>('SELECT object_key FROM uploads WHERE object_key = ANY($1::text[])', [[...keys]]);
      return new Set(rows.map((row) => row.object_key));
    },

    async removeByKey(key, id) {
      if (!isUploadId(id)) return false;
      const { rows } = await db.query<{ id: string }>('DELETE FROM uploads WHERE object_key = $1 AND id = $2 RETURNING id::text AS id', [key, id]);
      return rows.length > 0;
    },
  };
}

/** Opaque to clients: base64url of `<createdAt>|<id>` of the page's last record. */
function makeCursor(record: UploadRecord): string {
  return Buffer.from(`${record.createdAt}|${record.id}`).toString('base64url');
}

function parseCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !createdAt || !id || !isUploadId(id) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    throw new CursorError('the cursor is not one this endpoint gave');
  }
  return { createdAt, id };
}
