import type { UploadState } from '../contracts';

/**
 * Every legal move of the upload state machine; anything else is a bug and throws.
 * queued (⇄ elsewhere) → preparing → uploading ⇄ paused → completing → done | failed | canceled.
 */
const TRANSITIONS: Readonly<Record<UploadState, readonly UploadState[]>> = {
  queued: ['preparing', 'elsewhere', 'paused', 'failed', 'canceled'],
  // Another tab uploads the same file: back in the queue when it lets go, or done when it finished.
  elsewhere: ['queued', 'done', 'paused', 'failed', 'canceled'],
  preparing: ['uploading', 'paused', 'failed', 'canceled'],
  uploading: ['completing', 'paused', 'failed', 'canceled'],
  paused: ['queued', 'elsewhere', 'uploading', 'canceled'],
  completing: ['done', 'failed', 'canceled'],
  failed: ['queued', 'canceled'],
  done: [],
  canceled: [],
};

export function canTransition(from: UploadState, to: UploadState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** States with work in progress that `pause()` stops. */
export function isActive(state: UploadState): boolean {
  return state === 'queued' || state === 'elsewhere' || state === 'preparing' || state === 'uploading';
}

export function isTerminal(state: UploadState): boolean {
  return state === 'done' || state === 'canceled';
}
