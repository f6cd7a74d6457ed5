import type { UploadErrorInfo } from '../engine/contracts';
import type { UploaderComposer } from './i18n';

/** Plain words for an engine error: what happened and what to do, plus the raw message for support. */
export function describeError(error: UploadErrorInfo, i18n: UploaderComposer): { summary: string; details: string } {
  return {
    summary: i18n.t(`errors.${error.code}`),
    details: i18n.t('errors.details', {
      message: [error.message, error.requestId && `request ${error.requestId}`].filter(Boolean).join(' · '),
    }),
  };
}
