import type { Database } from './database';

/**
 * Versioned schema changes, applied in order, each once, each in its own transaction together
 * with its row in `schema_migrations`. Never edit a released migration: add the next version.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements, run one by one (the embedded database takes one statement per query). */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'uploads',
    statements: [
      `CREATE TABLE uploads (
        id uuid PRIMARY KEY,
        -- The visitor, taken from the key's prefix (never from the callback body).
        subject text NOT NULL,
        object_key text NOT NULL,
        -- Without quotes, upper case.
        etag text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        crc64 text,
        mime_type text,
        -- Display only: the browser chose it.
        file_name text NOT NULL,
        -- 'callback' (signed by OSS) or 'confirm' (the visitor asked after a failed callback).
        recorded_by text NOT NULL CHECK (recorded_by IN ('callback', 'confirm')),
        created_at timestamptz NOT NULL DEFAULT now(),
        -- One record per object: a replayed callback finds it instead of adding another.
        CONSTRAINT uploads_object_key_unique UNIQUE (object_key)
      )`,
      'CREATE INDEX uploads_by_subject_newest ON uploads (subject, created_at DESC, id DESC)',
    ],
  },
  {
    version: 2,
    name: 'uploads recorded by reconciliation',
    statements: [
      // PostgreSQL names a column's CHECK constraint <table>_<column>_check; PGlite is PostgreSQL.
      'ALTER TABLE uploads DROP CONSTRAINT uploads_recorded_by_check',
      // 'reconcile': found by listing the visitor's prefix (an upload whose callback and confirm were both lost).
      `ALTER TABLE uploads ADD CONSTRAINT uploads_recorded_by_check CHECK (recorded_by IN ('callback', 'confirm', 'reconcile'))`,
    ],
  },
];

/** Any 64-bit number of our own: instances starting together apply migrations one at a time. */
const MIGRATION_LOCK = 7_214_530_118;

/** Applies the migrations `db` lacks; returns their versions. Refuses a database newer than this code. */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((row) => Number(row.version)));
    const latest = Math.max(0, ...migrations.map((m) => m.version));
    const unknown = [...applied].filter((version) => version > latest);
    if (unknown.length > 0) {
      throw new Error(`the upload database has schema version ${Math.max(...unknown)}, newer than this server knows (${latest}): upgrade the server`);
    }
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      done.push(migration.version);
    }
    return done;
  });
}
