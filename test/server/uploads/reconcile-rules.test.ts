import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler, createUploadStore, fileNameOfDisposition, openDatabase, type Database, type StoredObject, type UploadObjects } from '../../../src/server/uploads';

// The reconciler's rules that the local stack cannot time: an object deleted (with its record)
// while a pass was HEADing it, and the names a stored Content-Disposition gives.
let db: Database;
beforeAll(async () => {
  db = await openDatabase({ memory: true });
});
afterAll(async () => db?.close());

const KEY = 'uploads/alice/a.bin';
const OBJECT: StoredObject = { size: 1, etag: 'E1', crc64: null, mimeType: null };

function objectsAnswering(heads: Array<StoredObject | null>): UploadObjects {
  return {
    list: async () => ({ objects: [{ key: KEY, size: 1, etag: 'E1', lastModified: '2026-12-01T00:00:00.000Z' }], nextMarker: null }),
    head: async () => heads.shift() ?? null,
    remove: async () => undefined,
    downloadUrl: async () => ({ url: 'x', expiration: new Date() }),
  };
}

describe('reconciliation', () => {
  it('drops its own record when the object was gone by the time it was written (deleted meanwhile)', async () => {
    const store = createUploadStore(db);
    const reconciler = createReconciler({ store, objects: objectsAnswering([OBJECT, null]) });
    expect(await reconciler.reconcile('alice')).toEqual({ listed: 1, recorded: 0, complete: true });
    expect((await store.list('alice', { limit: 10 })).records).toEqual([]);
  });

  it('drops it too when the key holds other content by then, and keeps it when the object is still there', async () => {
    const store = createUploadStore(db);
    expect(await createReconciler({ store, objects: objectsAnswering([OBJECT, { ...OBJECT, etag: 'E2' }]) }).reconcile('alice')).toMatchObject({ recorded: 0 });
    expect(await createReconciler({ store, objects: objectsAnswering([OBJECT, OBJECT]) }).reconcile('alice')).toMatchObject({ recorded: 1 });
    const [record] = (await store.list('alice', { limit: 10 })).records;
    expect(record).toMatchObject({ key: KEY, name: 'a.bin', createdAt: '2026-12-01T00:00:00.000Z' });
  });

  it('takes names from Content-Disposition: filename* first, then filename, else none', () => {
    expect(fileNameOfDisposition(`attachment; filename="R_sum_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf`)).toBe('Résumé.pdf');
    expect(fileNameOfDisposition('attachment; filename="a \\"b\\".txt"')).toBe('a "b".txt');
    expect(fileNameOfDisposition('inline; filename=plain.txt')).toBe('plain.txt');
    expect(fileNameOfDisposition(`attachment; filename*=UTF-8''%E0%A4%A; filename="fallback.txt"`)).toBe('fallback.txt');
    expect(fileNameOfDisposition('attachment')).toBeNull();
    expect(fileNameOfDisposition(null)).toBeNull();
  });
});
