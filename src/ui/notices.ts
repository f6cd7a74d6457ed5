import type { UploaderComposer } from './i18n';

/**
 * The engine reports notices as fixed English sentences. Those we know are shown in the reader's
 * language; any other is shown as the engine wrote it. A unit test keeps these in step with the engine.
 */
export const KNOWN_NOTICES: Readonly<Record<string, 'notices.expired' | 'notices.notResumable'>> = {
  'The previous upload had expired on the server, so it started again.': 'notices.expired',
  'This browser does not keep upload progress, so after a reload this file starts again.': 'notices.notResumable',
};

export function translateNotice(notice: string, i18n: UploaderComposer): string {
  const key = KNOWN_NOTICES[notice];
  return key ? i18n.t(key) : notice;
}
