import { describe, expect, it } from 'vitest';
import { attachmentDisposition, numberedKey, validateMeta } from '../../../src/engine/oss/object-headers';
import { callbackVarWithFileName } from '../../../src/shared/upload-callback';
import type { Credentials } from '../../../src/engine/contracts';
import { byteSum, createRig, KiB, makeFile, PREFIX } from './fakes';
import { leaveUnfinished } from './unfinished';

const CALLBACK = btoa(JSON.stringify({ callbackUrl: 'http://app.test/api/uploads/callback', callbackBody: 'object=${object}&name=${x:name}' }));
const CALLBACK_VAR = btoa(JSON.stringify({ 'x:name': '' }));
const RECORDS: Partial<Credentials> = { callback: CALLBACK, callbackVar: CALLBACK_VAR, uploadsUrl: 'http://app.test/api/uploads' };

function decodedName(callbackVar: string | undefined): string {
  const vars = JSON.parse(atob(callbackVar ?? '')) as Record<string, string>;
  const base64 = (vars['x:name'] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  return new TextDecoder().decode(Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0)));
}

describe('upload callback', () => {
  it('multipart: sends the callback on Complete only, and the result carries the record', async () => {
    const rig = await createRig();
    rig.credentials.extra = RECORDS;
    const file = makeFile(250 * KiB, '简历 final.pdf');
    const result = await rig.uploader.add(file).finished;

    const withCallback = rig.oss.calls.filter((c) => c.headers?.['x-oss-callback'] !== undefined).map((c) => c.op);
    expect(withCallback).toEqual(['complete']);
    const complete = rig.oss.calls.find((c) => c.op === 'complete')!;
    expect(complete.headers?.['x-oss-callback']).toBe(CALLBACK);
    expect(complete.headers?.['x-oss-callback-var']).toBe(callbackVarWithFileName(CALLBACK_VAR, '简历 final.pdf'));
    expect(decodedName(complete.headers?.['x-oss-callback-var'])).toBe('简历 final.pdf');
    const record = rig.oss.records.get(`${PREFIX}简历 final.pdf`)!;
    expect(result).toEqual({
      key: `${PREFIX}简历 final.pdf`,
      etag: '"M-3"',
      crc64: await byteSum(file),
      size: 250 * KiB,
      id: record.id,
      name: '简历 final.pdf',
      record,
    });
    expect(rig.oss.count('confirm')).toBe(0);
  });

  it('single PutObject: the callback headers go on the PUT, signed, and its JSON answer is the record', async () => {
    const rig = await createRig();
    rig.credentials.extra = RECORDS;
    const result = await rig.uploader.add(makeFile(10 * KiB, 'notes.txt', 1, 'text/plain')).finished;
    const put = rig.oss.calls.find((c) => c.op === 'put')!;
    expect(put.headers?.['x-oss-callback']).toBe(CALLBACK);
    expect(decodedName(put.headers?.['x-oss-callback-var'])).toBe('notes.txt');
    expect(result).toMatchObject({ key: `${PREFIX}notes.txt`, id: 'rec-1', name: 'notes.txt', record: { id: 'rec-1', size: 10 * KiB } });
    expect(rig.oss.count('confirm')).toBe(0);
  });

  it('203 CallbackFailed on Complete: the upload is done and recorded with confirm', async () => {
    const rig = await createRig();
    rig.credentials.extra = RECORDS;
    rig.oss.callbackOutcome = 'fail';
    const upload = rig.uploader.add(makeFile(250 * KiB, 'report.pdf'));
    const result = await upload.finished;
    expect(upload.snapshot().state).toBe('done');
    expect(rig.oss.calls.filter((c) => c.op === 'confirm').map((c) => c.key)).toEqual([`${PREFIX}report.pdf`]);
    expect(result).toMatchObject({ key: `${PREFIX}report.pdf`, id: 'rec-1', name: 'report.pdf', size: 250 * KiB });
    expect(rig.oss.count('complete')).toBe(1);
  });

  it('203 CallbackFailed on a single PutObject: done and confirmed, sent once', async () => {
    const rig = await createRig();
    rig.credentials.extra = RECORDS;
    rig.oss.callbackOutcome = 'fail';
    const result = await rig.uploader.add(makeFile(10 * KiB, 'a.txt')).finished;
    expect(rig.oss.count('put')).toBe(1);
    expect(rig.oss.count('confirm')).toBe(1);
    expect(result).toMatchObject({ id: 'rec-1', name: 'a.txt' });
  });

  it('no callback but records: confirm after the upload; no records: neither, and the result is as before', async () => {
    const rig = await createRig();
    rig.credentials.extra = { uploadsUrl: 'http://app.test/api/uploads' };
    const confirmed = await rig.uploader.add(makeFile(10 * KiB, 'b.txt')).finished;
    expect(rig.oss.calls.some((c) => c.headers?.['x-oss-callback'] !== undefined)).toBe(false);
    expect(rig.oss.count('confirm')).toBe(1);
    expect(confirmed).toMatchObject({ id: 'rec-1', name: 'b.txt' });

    const plain = await createRig();
    const file = makeFile(10 * KiB, 'c.txt');
    expect(await plain.uploader.add(file).finished).toEqual({ key: `${PREFIX}c.txt`, etag: expect.any(String), crc64: await byteSum(file), size: 10 * KiB });
    expect(plain.oss.count('confirm')).toBe(0);
  });
});

describe('forbidOverwrite', () => {
  it('sends x-oss-forbid-overwrite on Initiate and Complete (not on parts), and on a single PutObject', async () => {
    const rig = await createRig();
    await rig.uploader.add(makeFile(250 * KiB)).finished;
    await rig.uploader.add(makeFile(10 * KiB, 'small.txt')).finished;
    const guarded = rig.oss.calls.filter((c) => c.headers?.['x-oss-forbid-overwrite'] === 'true').map((c) => `${c.op}${c.partNumber ?? ''}`);
    expect(guarded).toEqual(['initiate', 'complete', 'put']);
  });

  it('a taken key at Initiate: the file goes to a numbered key, keeping its name for the record', async () => {
    const rig = await createRig();
    rig.credentials.extra = RECORDS;
    const first = await rig.uploader.add(makeFile(250 * KiB, 'video.bin', 1)).finished;
    const second = await rig.uploader.add(makeFile(250 * KiB, 'video.bin', 2)).finished;
    const third = await rig.uploader.add(makeFile(250 * KiB, 'video.bin', 3)).finished;
    expect([first.key, second.key, third.key]).toEqual([`${PREFIX}video.bin`, `${PREFIX}video (1).bin`, `${PREFIX}video (2).bin`]);
    expect(second).toMatchObject({ name: 'video.bin', record: { key: `${PREFIX}video (1).bin`, name: 'video.bin' } });
    // The first object is untouched, and no part went to a taken key.
    expect(rig.oss.objects.get(`${PREFIX}video.bin`)?.crc64).toBe(first.crc64);
    expect(rig.oss.partNumbersPut()).toHaveLength(9);
  });

  it('a taken key on a single PutObject: sent again to a numbered key, the snapshot shows it', async () => {
    const rig = await createRig();
    await rig.uploader.add(makeFile(10 * KiB, 'notes.txt', 1)).finished;
    const upload = rig.uploader.add(makeFile(10 * KiB, 'notes.txt', 2));
    const result = await upload.finished;
    expect(result.key).toBe(`${PREFIX}notes (1).txt`);
    expect(upload.snapshot().key).toBe(`${PREFIX}notes (1).txt`);
    expect(rig.oss.objects.get(`${PREFIX}notes.txt`)?.crc64).toBe(await byteSum(makeFile(10 * KiB, 'notes.txt', 1)));
  });

  it('a single PutObject whose answer was lost is not stored twice under another key', async () => {
    const rig = await createRig();
    let lost = true;
    rig.oss.intercept(async (call) => {
      if (call.op === 'put' && lost) {
        lost = false;
        // Stored, but the answer never arrives.
        const file = makeFile(10 * KiB, 'lost.txt');
        rig.oss.objects.set(call.key, { etag: '"X"', crc64: await byteSum(file), size: file.size });
        throw new (await import('../../../src/engine/errors/engine-error')).EngineError('reset', { status: 0 });
      }
    });
    const result = await rig.uploader.add(makeFile(10 * KiB, 'lost.txt')).finished;
    expect(result.key).toBe(`${PREFIX}lost.txt`);
    expect([...rig.oss.objects.keys()]).toEqual([`${PREFIX}lost.txt`]);
    // The retry was refused as a taken key, and the object there found to be this file.
    expect(rig.oss.count('put')).toBe(2);
    expect(rig.oss.count('objectInfo')).toBe(1);
  });

  it('off (uploader option or per file): no header, the object is replaced', async () => {
    const rig = await createRig({ forbidOverwrite: false });
    await rig.uploader.add(makeFile(10 * KiB, 'n.txt', 1)).finished;
    const again = await rig.uploader.add(makeFile(10 * KiB, 'n.txt', 2)).finished;
    expect(again.key).toBe(`${PREFIX}n.txt`);
    expect(rig.oss.calls.some((c) => c.headers?.['x-oss-forbid-overwrite'] !== undefined)).toBe(false);

    const perFile = await createRig();
    await perFile.uploader.add(makeFile(10 * KiB, 'n.txt', 1)).finished;
    expect(perFile.oss.calls[0]?.headers?.['x-oss-forbid-overwrite']).toBe('true');
    expect((await perFile.uploader.add(makeFile(10 * KiB, 'n.txt', 2), { forbidOverwrite: false }).finished).key).toBe(`${PREFIX}n.txt`);
  });

  it('a resumed upload keeps its numbered key', async () => {
    const file = makeFile(350 * KiB, 'video.bin');
    const key = `${PREFIX}video (1).bin`;
    const { oss, store } = await leaveUnfinished(file, { server: [1, 2], checkpoint: [1, 2], key });
    oss.objects.set(`${PREFIX}video.bin`, { etag: '"OTHER"', crc64: '1', size: 1 });
    const rig = await createRig({ oss, storage: store });
    const upload = rig.uploader.add(file);
    const result = await upload.finished;
    expect(result.key).toBe(key);
    expect(upload.snapshot().resumed).toBe(true);
    expect(oss.count('initiate')).toBe(0);
    expect(oss.partNumbersPut().sort()).toEqual([3, 4]);
  });

  it('numbers keys before the extension, in folders too', () => {
    expect(numberedKey('u/a/report.pdf', 1)).toBe('u/a/report (1).pdf');
    expect(numberedKey('u/a.b/README', 2)).toBe('u/a.b/README (2)');
    expect(numberedKey('u/.env', 3)).toBe('u/.env (3)');
  });
});

describe('object headers', () => {
  it('Content-Disposition of a Chinese file name: ASCII fallback and RFC 5987 UTF-8', () => {
    expect(attachmentDisposition('简历 "最终" 100%.pdf')).toBe(
      `attachment; filename="__ ____ 100_.pdf"; filename*=UTF-8''%E7%AE%80%E5%8E%86%20%22%E6%9C%80%E7%BB%88%22%20100%25.pdf`,
    );
    expect(attachmentDisposition("it's (1).txt")).toBe(`attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
  });

  it('stores Content-Disposition, Cache-Control and metadata on Initiate (multipart) and PutObject, not on parts or Complete', async () => {
    const rig = await createRig({ contentDisposition: true, cacheControl: 'no-cache', meta: { project: 'alpha', owner: 'x' } });
    await rig.uploader.add(makeFile(250 * KiB, '简历.pdf'), { meta: { owner: 'me' }, cacheControl: 'max-age=60' }).finished;
    await rig.uploader.add(makeFile(10 * KiB, 'a.txt')).finished;
    const initiate = rig.oss.calls.find((c) => c.op === 'initiate')!;
    expect(initiate.headers).toEqual({
      'Content-Disposition': attachmentDisposition('简历.pdf'),
      'Cache-Control': 'max-age=60',
      'x-oss-meta-project': 'alpha',
      'x-oss-meta-owner': 'me',
      'x-oss-forbid-overwrite': 'true',
    });
    expect(rig.oss.calls.filter((c) => c.op === 'put' && c.partNumber !== undefined).every((c) => c.headers === undefined)).toBe(true);
    expect(rig.oss.calls.find((c) => c.op === 'complete')!.headers).toEqual({ 'x-oss-forbid-overwrite': 'true' });
    expect(rig.oss.storedHeaders.get(`${PREFIX}a.txt`)).toMatchObject({
      'Content-Disposition': `attachment; filename="a.txt"; filename*=UTF-8''a.txt`,
      'Cache-Control': 'no-cache',
      'x-oss-meta-project': 'alpha',
      'x-oss-meta-owner': 'x',
    });
  });

  it('refuses metadata OSS would reject, with a clear error, before anything is sent', async () => {
    expect(() => validateMeta({ Project: 'a' })).toThrow(/lower-case ASCII/);
    expect(() => validateMeta({ 'pro ject': 'a' })).toThrow(/lower-case ASCII/);
    expect(() => validateMeta({ name: '简历' })).toThrow(/printable ASCII/);
    expect(() => validateMeta({ big: 'x'.repeat(8 * 1024) })).toThrow(/8192 bytes/);
    expect(validateMeta({ 'x-oss-meta-ok': 'fine', a: 'x'.repeat(8000) })).toEqual({ ok: 'fine', a: 'x'.repeat(8000) });

    const rig = await createRig();
    expect(() => rig.uploader.add(makeFile(10, 'a.txt'), { meta: { Bad: '1' } })).toThrow(/Metadata name "Bad"/);
    expect(rig.uploader.uploads()).toHaveLength(0);
    await expect(createRig({ meta: { ok: 'x'.repeat(9000) } })).rejects.toThrow(RangeError);
    expect(rig.oss.calls).toEqual([]);
  });
});
