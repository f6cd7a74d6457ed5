import { describe, expect, test } from 'vitest';
import { dueAnnouncements, type AnnouncedMilestones } from '../../src/ui/composables/announcements';
import { applyFileRules } from '../../src/ui/files/file-rules';
import { formatAge, formatBytes, formatDuration, formatPercent } from '../../src/ui/format';
import { EXPIRED_NOTICE } from '../../src/engine/upload-session';
import { NOT_RESUMABLE_NOTICE } from '../../src/engine/upload';
import { createUploaderI18n, pickLocale } from '../../src/ui/i18n';
import { KNOWN_NOTICES, translateNotice } from '../../src/ui/notices';
import { pendingRow, type UploadRow } from '../../src/ui/store/upload-row';
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

  test('any Chinese browser language picks Simplified Chinese', () => {
    expect(pickLocale(null, ['zh-TW', 'en'])).toBe('zh-CN');
  });

  test('unknown languages fall back to English', () => {
    expect(pickLocale('fr', ['de-DE'])).toBe('en');
  });
});

describe('engine notices', () => {
  test('every notice the engine can give has a translation', () => {
    expect(Object.keys(KNOWN_NOTICES).sort()).toEqual([EXPIRED_NOTICE, NOT_RESUMABLE_NOTICE].sort());
  });

  test('known notices are translated, others shown as written', () => {
    const i18n = createUploaderI18n('zh-CN').global;
    expect(translateNotice(EXPIRED_NOTICE, i18n)).toBe('之前的上传已在服务器上过期，因此此文件已重新开始上传。');
    expect(translateNotice('Something new.', i18n)).toBe('Something new.');
  });
});
