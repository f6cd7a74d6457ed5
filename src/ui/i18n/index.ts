import { inject, type InjectionKey } from 'vue';
import { createI18n, type I18n } from 'vue-i18n';
import { en, type UploaderMessages } from './en';
import { zhCN } from './zh-CN';
import { zhTW } from './zh-TW';
import { ja } from './ja';
import { ko } from './ko';

export const SUPPORTED_LOCALES = ['en', 'zh-CN', 'zh-TW', 'ja', 'ko'] as const;
export type UploaderLocale = (typeof SUPPORTED_LOCALES)[number];

export const LOCALE_NAMES: Record<UploaderLocale, string> = {
  en: 'English',
  'zh-CN': '简体中文',
  'zh-TW': '繁體中文',
  ja: '日本語',
  ko: '한국어',
};

/** Every catalog, each checked against the English shape. */
const MESSAGES: Record<UploaderLocale, UploaderMessages> = { en, 'zh-CN': zhCN, 'zh-TW': zhTW, ja, ko };

const STORAGE_KEY = 'oss-uploader.locale';

export function isSupported(value: string | null | undefined): value is UploaderLocale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(value ?? '');
}

/**
 * A stored choice wins; otherwise the first browser language we speak; otherwise English. Chinese
 * written in Traditional characters (zh-TW, zh-HK, zh-MO, any zh-Hant) picks Traditional Chinese;
 * every other Chinese tag, Simplified.
 */
/** zh-Hant anywhere, or a region that writes Traditional characters, unless zh-Hans says otherwise. */
const TRADITIONAL_CHINESE = /^zh-(?!hans)(?:hant\b|.*-?\b(?:tw|hk|mo)\b)/;

export function pickLocale(stored: string | null, browserLanguages: readonly string[]): UploaderLocale {
  if (isSupported(stored)) return stored;
  for (const language of browserLanguages) {
    const lower = language.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-')) return TRADITIONAL_CHINESE.test(lower) ? 'zh-TW' : 'zh-CN';
    if (lower.startsWith('en')) return 'en';
    if (lower === 'ja' || lower.startsWith('ja-')) return 'ja';
    if (lower === 'ko' || lower.startsWith('ko-')) return 'ko';
  }
  return 'en';
}

function readStoredLocale(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage blocked (privacy settings): fall back to the browser language
  }
}

export function storeLocale(locale: UploaderLocale): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
}

export type UploaderI18n = I18n<Record<UploaderLocale, UploaderMessages>, {}, {}, UploaderLocale, false>;

export function createUploaderI18n(locale: UploaderLocale): UploaderI18n {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: MESSAGES,
  }) as UploaderI18n;
}

/**
 * One instance per page, separate from any vue-i18n the host app installs, so the uploader works
 * in hosts without vue-i18n and never mixes its messages into theirs.
 */
export const uploaderI18n: UploaderI18n = createUploaderI18n(
  pickLocale(readStoredLocale(), globalThis.navigator?.languages ?? []),
);

export const UPLOADER_I18N: InjectionKey<UploaderI18n> = Symbol('oss-uploader-i18n');

export type UploaderComposer = UploaderI18n['global'];

/** The uploader's translator: a provided instance (tests, hosts with their own) or the page-wide one. */
export function useUploaderI18n(): UploaderComposer {
  return inject(UPLOADER_I18N, uploaderI18n).global;
}
