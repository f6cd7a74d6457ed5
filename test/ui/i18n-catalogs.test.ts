import { describe, expect, test } from 'vitest';
import { en } from '../../src/ui/i18n/en';
import { ja } from '../../src/ui/i18n/ja';
import { ko } from '../../src/ui/i18n/ko';
import { zhCN } from '../../src/ui/i18n/zh-CN';
import { zhTW } from '../../src/ui/i18n/zh-TW';
import { pickLocale, SUPPORTED_LOCALES } from '../../src/ui/i18n';

/** `a.b.c` → the message, for every leaf. */
function leaves(messages: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [inner, text] of leaves(value as object, path)) out.set(inner, text);
  }
  return out;
}

/** Placeholders such as {name}, sorted. */
function placeholders(message: string): string[] {
  return [...new Set(message.match(/\{\w+\}/g) ?? [])].sort();
}

describe('message catalogs', () => {
  test('every supported locale is offered', () => {
    expect(SUPPORTED_LOCALES).toEqual(['en', 'zh-CN', 'zh-TW', 'ja', 'ko']);
  });

  test.each([
    ['zh-CN', zhCN],
    ['zh-TW', zhTW],
    ['ja', ja],
    ['ko', ko],
  ] as const)('%s has every English key, none empty or left in English, with the same placeholders', (_locale, messages) => {
    const english = leaves(en);
    const translated = leaves(messages);
    expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) {
      const other = translated.get(key) ?? '';
      expect(other.trim(), key).not.toBe('');
      expect(placeholders(other), key).toEqual(placeholders(text));
      if (/[a-z]{4,}/i.test(text.replace(/\{\w+\}/g, ''))) expect(other, key).not.toBe(text);
    }
  });

  test('Japanese and Korean browsers get their language', () => {
    expect(pickLocale(null, ['ja-JP', 'en'])).toBe('ja');
    expect(pickLocale(null, ['ko', 'en'])).toBe('ko');
  });
});
