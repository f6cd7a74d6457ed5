import { describe, expect, test } from 'vitest';
import { dueAnnouncements, type AnnouncedMilestones } from '../../src/ui/composables/announcements';
import { applyFileRules } from '../../src/ui/files/file-rules';
import { formatAge, formatBytes, formatDuration, formatPercent } from '../../src/ui/format';
import { EXPIRED_NOTICE } from '../../src/engine/resume/upload-session';
import type { UploadNotice, UploadNoticeCode } from '../../src/engine/contracts';
import { createUploaderI18n, pickLocale } from '../../src/ui/i18n';
import { translateNotice, translateNotices } from '../../src/ui/notices';
import { checkingParts, pendingRow, type UploadRow } from '../../src/ui/store/upload-row';
import { fileOf } from './fake-uploader';

function rowAt(id: string, fraction: number, state: UploadRow['state'] = 'uploading'): UploadRow {
  const row = pendingRow(id, fileOf(`${id}.bin`, 1000));
  return { ...row, state, progress: { ...row.progress, fraction, bytesUploaded: fraction * 1000 } };
}

describe('progress announcements', () => {
  test('announce each 10 % step once, not every tick', () => {
    const announced: AnnouncedMilestones = new Map();
    expect(dueAnnouncements([rowAt('a', 0)], announced)).toEqual([]);
    expect(dueAnnouncements([rowAt('a', 0.05)], announced)).toEqual([]);
    expect(dueAnnouncements([rowAt('a', 0.12)], announced)).toEqual([{ kind: 'progress', name: 'a.bin', fraction: 0.1 }]);
    expect(dueAnnouncements([rowAt('a', 0.19)], announced)).toEqual([]);
    expect(dueAnnouncements([rowAt('a', 0.45)], announced)).toEqual([{ kind: 'progress', name: 'a.bin', fraction: 0.4 }]);
  });

  test('a resumed upload first seen at 60 % is not announced until 70 %', () => {
    const announced: AnnouncedMilestones = new Map();
    expect(dueAnnouncements([rowAt('a', 0.6)], announced)).toEqual([]);
    expect(dueAnnouncements([rowAt('a', 0.7)], announced)).toHaveLength(1);
  });

  test('done and failed are announced once each', () => {
    const announced: AnnouncedMilestones = new Map();
    dueAnnouncements([rowAt('a', 0.5), rowAt('b', 0.5)], announced);
    expect(dueAnnouncements([rowAt('a', 1, 'done'), rowAt('b', 0.5, 'failed')], announced)).toEqual([
      { kind: 'done', name: 'a.bin' },
      { kind: 'failed', name: 'b.bin' },
    ]);
    expect(dueAnnouncements([rowAt('a', 1, 'done'), rowAt('b', 0.5, 'failed')], announced)).toEqual([]);
  });
});

describe('file rules', () => {
  const files = [fileOf('a.pdf', 10, 'application/pdf'), fileOf('b.png', 10, 'image/png'), fileOf('c.exe', 10)];

  test('accept matches extensions and wildcard MIME types', () => {
    const { accepted, rejected } = applyFileRules(files, { accept: '.pdf, image/*' }, 0);
    expect(accepted.map((file) => file.name)).toEqual(['a.pdf', 'b.png']);
    expect(rejected).toEqual([{ name: 'c.exe', reason: 'type' }]);
  });

  test('maxSize rejects larger files', () => {
    const { rejected } = applyFileRules([fileOf('small', 10), fileOf('big', 11)], { maxSize: 10 }, 0);
    expect(rejected).toEqual([{ name: 'big', reason: 'size' }]);
  });

  test('limit counts the files already listed', () => {
    const { accepted, rejected } = applyFileRules(files, { limit: 3 }, 2);
    expect(accepted.map((file) => file.name)).toEqual(['a.pdf']);
    expect(rejected.map((rejection) => rejection.reason)).toEqual(['limit', 'limit']);
  });
});

describe('formatting', () => {
  test('bytes use 1024 steps and the locale', () => {
    expect(formatBytes(512, 'en')).toBe('512 B');
    expect(formatBytes(1536, 'en')).toBe('1.5 KB');
    expect(formatBytes(64 * 1024 * 1024, 'en')).toBe('64.0 MB');
  });

  test('percent floors so an unfinished upload never shows 100 %', () => {
    expect(formatPercent(0.999, 'en')).toBe('99%');
    expect(formatPercent(1, 'en')).toBe('100%');
  });

  test('durations read as clock time', () => {
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  test('ages are relative and localized', () => {
    const now = Date.UTC(2026, 0, 2);
    expect(formatAge(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago');
    expect(formatAge(now - 3 * 86_400_000, now, 'en')).toBe('3 days ago');
    expect(formatAge(now - 5 * 60_000, now, 'zh-CN')).toBe('5分钟前');
  });
});

describe('locale choice', () => {
  test('a stored choice wins over the browser language', () => {
    expect(pickLocale('en', ['zh-CN'])).toBe('en');
  });

  test('Chinese browser languages pick Simplified or Traditional Chinese by script and region', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-SG', 'zh-Hans', 'zh-Hans-HK']) expect(pickLocale(null, [tag, 'en']), tag).toBe('zh-CN');
    for (const tag of ['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'zh-Hant-CN']) expect(pickLocale(null, [tag, 'en']), tag).toBe('zh-TW');
  });

  test('unknown languages fall back to English', () => {
    expect(pickLocale('fr', ['de-DE'])).toBe('en');
  });
});

describe('engine notices', () => {
  const en = createUploaderI18n('en').global;
  const zh = createUploaderI18n('zh-CN').global;

  test('are translated by code, whatever the English sentence says', () => {
    const notice = (code: UploadNoticeCode, extra: Partial<UploadNotice> = {}): UploadNotice => ({ code, message: 'engine wording', ...extra });
    expect(translateNotice(notice('UPLOAD_EXPIRED'), zh)).toBe('之前的上传已在服务器上过期，因此此文件已重新开始上传。');
    expect(translateNotice(notice('NOT_RESUMABLE'), en)).toBe('This browser does not keep upload progress, so after a reload this file starts again.');
    expect(translateNotice(notice('FILE_CHANGED', { unfinishedId: 'cp-1' }), en)).toBe(
      'This file changed since the unfinished upload; it is uploaded as a new file.',
    );
    expect(translateNotice(notice('FILE_CHANGED'), zh)).toBe('自未完成的上传以来此文件已被修改，将作为新文件上传。');
    expect(translateNotice(notice('PARTS_RESENT', { count: 3 }), en)).toBe('3 parts were sent again because they did not match the file.');
    expect(translateNotice(notice('PARTS_RESENT', { count: 1 }), en)).toBe('One part was sent again because it did not match the file.');
    expect(translateNotice(notice('PARTS_RESENT', { count: 2 }), zh)).toBe('有 2 个分片与文件不一致，已重新发送。');
  });

  test('an unknown code shows the engine\'s message', () => {
    const unknown = { code: 'SOMETHING_NEW', message: 'Something new.' } as unknown as UploadNotice;
    expect(translateNotice(unknown, zh)).toBe('Something new.');
    expect(
      translateNotices({ notices: [{ code: 'UPLOAD_EXPIRED', message: EXPIRED_NOTICE }, unknown] }, en),
    ).toEqual(['The earlier upload had expired on the server, so this file was started again.', 'Something new.']);
  });
});

describe('checking reused parts', () => {
  const sent = (state: UploadRow['state'], partsChecked: number, bytesUploaded = 1000): UploadRow => ({
    ...rowAt('a', bytesUploaded / 1000, state),
    verification: { partsToCheck: 4, partsChecked, partsResent: 0 },
  });

  test('is what the row reports once every byte is sent and checks remain', () => {
    expect(checkingParts(sent('uploading', 1))).toEqual({ checked: 1, total: 4 });
    expect(checkingParts(sent('completing', 3))).toEqual({ checked: 3, total: 4 });
  });

  test('is not reported while bytes are still going, after all checks, or when paused', () => {
    expect(checkingParts(sent('uploading', 1, 500))).toBeNull();
    expect(checkingParts(sent('uploading', 4))).toBeNull();
    expect(checkingParts(sent('paused', 1))).toBeNull();
    expect(checkingParts(rowAt('a', 1))).toBeNull();
  });
});
