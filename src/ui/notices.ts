import type { UploadNotice, UploadNoticeCode, UploadSnapshot } from '../engine/contracts';
import type { UploaderComposer } from './i18n';

/** Message key per notice code. A code added to the engine later is shown as the engine wrote it. */
const NOTICE_KEYS: Readonly<
  Record<UploadNoticeCode, 'notices.expired' | 'notices.notResumable' | 'notices.fileChanged' | 'notices.identityChanged' | 'notices.partsResent'>
> = {
  UPLOAD_EXPIRED: 'notices.expired',
  NOT_RESUMABLE: 'notices.notResumable',
  FILE_CHANGED: 'notices.fileChanged',
  IDENTITY_CHANGED: 'notices.identityChanged',
  PARTS_RESENT: 'notices.partsResent',
};

/** One notice in the reader's language, chosen by its code (with its count where it has one). */
export function translateNotice(notice: UploadNotice, i18n: UploaderComposer): string {
  const key = (NOTICE_KEYS as Partial<Record<string, (typeof NOTICE_KEYS)[UploadNoticeCode]>>)[notice.code];
  if (!key) return notice.message;
  if (key === 'notices.partsResent') {
    const count = notice.count ?? 1;
    return i18n.t(key, { count }, count);
  }
  return i18n.t(key);
}

/** The notices of an upload, translated by code. */
export function translateNotices(snapshot: Pick<UploadSnapshot, 'notices'>, i18n: UploaderComposer): string[] {
  return snapshot.notices.map((notice) => translateNotice(notice, i18n));
}
