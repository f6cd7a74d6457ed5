import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse, UploadCallbackAnswer, UploadListResponse } from '../../../src/shared/token-response';
import { createUploadStore, CursorError, migrate, MIGRATIONS, openDatabase, type Database, type DatabaseLocation } from '../../../src/server/uploads';
import { CookieJar } from '../token/app-fixtures';
import { clientFor, startLocalUploadStack, tokenFor, type LocalUploadStack } from './local-stack';
import { postgresBinDir, startPostgres, type PostgresServer } from './postgres-server';

// One set of SQL and migrations on both backends: the embedded default (PGlite) and a real
// PostgreSQL server (DATABASE_URL), started here from Debian's binaries.
const bin = postgresBinDir();
if (!bin) console.warn('PostgreSQL binaries not found (apt-get install postgresql, or set PG_BIN): the PostgreSQL server tests are skipped.');

let postgres: PostgresServer | null = null;
beforeAll(async () => {
  if (bin) postgres = await startPostgres(bin);
}, 120_000);
afterAll(async () => postgres?.stop());

const backends: Array<{ name: string; skip: boolean; location: () => DatabaseLocation }> = [
  { name: 'embedded (PGlite)', skip: false, location: () => ({ memory: true }) },
  { name: 'PostgreSQL server', skip: bin === null, location: () => ({ url: postgres!.url }) },
];

describe.each(backends)('upload records on $name', ({ skip, location }) => {
  let db: Database;
  beforeAll(async () => {
    if (skip) return;
    db = await openDatabase(location());
  });
  afterAll(async () => db?.close());

  it.skipIf(skip)('migrations are versioned, applied once, and a newer schema is refused', async () => {
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    await expect(migrate(db)).rejects.toThrow(/schema version 999, newer than this server knows/);
    await db.query('DELETE FROM schema_migrations WHERE version = 999');
  });

  it.skipIf(skip)('records once per object, replaces a replaced object, pages newest first, deletes per visitor', async () => {
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const store = createUploadStore(db, { now: () => (clock += 1000) });
    await db.query('DELETE FROM uploads');
    const base = { subject: 'alice', crc64: '18446744073709551615', mimeType: 'application/pdf', recordedBy: 'callback' as const };
    const a = await store.record({ ...base, key: 'uploads/alice/a.pdf', etag: 'AA', size: 5 * 1024 ** 4, name: 'Ä "a".pdf' });
    expect(a.created).toBe(true);
    expect(a.record).toMatchObject({ key: 'uploads/alice/a.pdf', name: 'Ä "a".pdf', size: 5 * 1024 ** 4, crc64: '18446744073709551615', createdAt: '2026-01-01T00:00:01.000Z' });
    const again = await store.record({ ...base, key: 'uploads/alice/a.pdf', etag: 'AA', size: 5 * 1024 ** 4, name: 'other' });
    expect(again).toEqual({ record: a.record, created: false });
    const b = await store.record({ ...base, key: 'uploads/alice/b.pdf', etag: 'BB', size: 1, name: 'b.pdf' });
    const c = await store.record({ ...base, key: 'uploads/alice/c.pdf', etag: 'CC', size: 1, name: 'c.pdf' });
    await store.record({ ...base, subject: 'bob', key: 'uploads/bob/a.pdf', etag: 'AA', size: 1, name: 'bob.pdf' });

    const first = await store.list('alice', { limit: 2 });
    expect(first.records.map((r) => r.name)).toEqual(['c.pdf', 'b.pdf']);
    const second = await store.list('alice', { limit: 2, cursor: first.nextCursor! });
    expect(second.records.map((r) => r.name)).toEqual(['Ä "a".pdf']);
    expect(second.nextCursor).toBeNull();
    await expect(store.list('alice', { limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(CursorError);

    // The same key with other content (overwritten): one record, the new one.
    const replaced = await store.record({ ...base, key: 'uploads/alice/b.pdf', etag: 'B2', size: 2, name: 'b.pdf' });
    expect(replaced.created).toBe(true);
    expect(replaced.record.id).not.toBe(b.record.id);
    expect((await store.list('alice', { limit: 10 })).records.map((r) => r.etag)).toEqual(['B2', 'CC', 'AA']);

    expect(await store.get('bob', c.record.id)).toBeNull();
    expect(await store.remove('bob', c.record.id)).toBe(false);
    expect(await store.remove('alice', c.record.id)).toBe(true);
    expect(await store.remove('alice', 'not-a-uuid')).toBe(false);
    expect((await store.list('alice', { limit: 10 })).records).toHaveLength(2);
  });
});

describe.skipIf(bin === null)('a PostgreSQL server shared by several instances', () => {
  it('instances starting together migrate once', async () => {
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ url: postgres!.url })));
    try {
      const { rows } = await dbs[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('the callback round trip records into PostgreSQL', async () => {
    const db = await openDatabase({ url: postgres!.url });
    let stack: LocalUploadStack | undefined;
    try {
      stack = await startLocalUploadStack({ database: db });
      const jar = new CookieJar();
      const token: TokenResponse = await tokenFor(stack.app, jar);
      const key = `${token.prefix}from-pg.bin`;
      const result = (await clientFor(token).put(key, randomBytes(321), { headers: { 'x-oss-callback': token.callback!, 'x-oss-callback-var': token.callbackVar! } })) as unknown as {
        data: UploadCallbackAnswer;
      };
      expect(result.data.upload).toMatchObject({ key, size: 321 });
      const list = (await (await stack.app.request('http://localhost/api/uploads', { headers: jar.header() })).json()) as UploadListResponse;
      expect(list.uploads.map((u) => u.key)).toEqual([key]);
      const { rows } = await db.query<{ recorded_by: string }>('SELECT recorded_by FROM uploads WHERE object_key = $1', [key]);
      expect(rows).toEqual([{ recorded_by: 'callback' }]);
    } finally {
      await stack?.close();
    }
  });
});
