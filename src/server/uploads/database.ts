import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate } from './migrations';

/** What both backends answer: PGlite and pg share `query(text, params) → { rows }`. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * The upload records' database: PostgreSQL, either embedded (PGlite, a WASM build of PostgreSQL
 * kept in a directory) or a server (`DATABASE_URL`). One set of SQL and migrations serves both.
 */
export interface Database extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Runs `work` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseLocation =
  /** A PostgreSQL server: `postgres://user:password@host:5432/db`. */
  | { url: string }
  /** PGlite files in this directory (created when missing). */
  | { dir: string }
  /** PGlite in memory: tests. */
  | { memory: true };

/** Where `npm start` keeps the embedded database: inside DATA_DIR, which is never served. */
export function embeddedDatabaseDir(dataDir: string): string {
  return join(dataDir, 'uploads-db');
}

/** Opens the database and brings its schema up to date (see migrations.ts). */
export async function openDatabase(location: DatabaseLocation): Promise<Database> {
  const db = 'url' in location ? await openPostgres(location.url) : await openPglite(location);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function openPglite(location: { dir: string } | { memory: true }): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  if ('dir' in location) await mkdir(location.dir, { recursive: true, mode: 0o700 });
  const pg = new PGlite('dir' in location ? location.dir : undefined);
  await pg.waitReady;
  return {
    kind: 'embedded',
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await pg.query<R>(text, params)).rows }),
    transaction: (work) => pg.transaction((tx) => work({ query: async <R>(text: string, params?: unknown[]) => ({ rows: (await tx.query<R>(text, params)).rows }) })),
    close: () => pg.close(),
  };
}

async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 10_000 });
  // An idle client losing its connection must not take the process down.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    // pg's message can quote the URL's host but not its password.
    throw new Error(`cannot connect to PostgreSQL at DATABASE_URL (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const asQueryable = (client: { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }): Queryable => ({
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as R[] }),
  });
  return {
    kind: 'postgres',
    ...asQueryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(asQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
