import { UploadError } from '../errors/upload-errors';

/**
 * Permission methods of FileSystemHandle. Chromium has them; TypeScript's DOM library does not
 * declare them yet, and handles without them (the origin private file system elsewhere, stand-ins)
 * are readable as they are.
 */
interface HandlePermissions {
  queryPermission?(descriptor: { mode: 'read' | 'readwrite' }): Promise<PermissionState>;
  requestPermission?(descriptor: { mode: 'read' | 'readwrite' }): Promise<PermissionState>;
}

/**
 * Reopens the file behind a saved handle. Asks for read permission when the browser no longer
 * grants it (after a reload it usually does not): the browser may prompt, so this has to run
 * within a user gesture. Failures become UploadErrors the UI can word: PERMISSION_DENIED when
 * refused, FILE_NOT_FOUND when the file was moved, renamed or deleted.
 */
export async function openFileFromHandle(handle: FileSystemFileHandle): Promise<File> {
  const permissions = handle as FileSystemFileHandle & HandlePermissions;
  let state: PermissionState = 'granted';
  try {
    if (permissions.queryPermission) state = await permissions.queryPermission({ mode: 'read' });
    if (state !== 'granted' && permissions.requestPermission) state = await permissions.requestPermission({ mode: 'read' });
  } catch (cause) {
    // Chromium throws SecurityError when no user gesture is active.
    throw permissionDenied(cause);
  }
  if (state !== 'granted') throw permissionDenied();
  try {
    return await handle.getFile();
  } catch (cause) {
    const name = (cause as { name?: unknown } | null)?.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') throw permissionDenied(cause);
    throw fileNotFound(cause);
  }
}

function permissionDenied(cause?: unknown): UploadError {
  return new UploadError(
    { code: 'PERMISSION_DENIED', message: 'Permission to read the file was not given. Select the file again to continue.', retryable: false },
    cause === undefined ? undefined : { cause },
  );
}

export function fileNotFound(cause?: unknown): UploadError {
  return new UploadError(
    {
      code: 'FILE_NOT_FOUND',
      message: 'The file is no longer where it was (moved, renamed or deleted). Select it again to continue.',
      retryable: false,
    },
    cause === undefined ? undefined : { cause },
  );
}

/** The reopened file is not the one the unfinished upload was sending. */
export function fileChangedSinceUpload(): UploadError {
  return new UploadError({
    code: 'FILE_CHANGED',
    message: 'The file changed since the unfinished upload stopped, so it cannot continue it. Select the file to upload it again.',
    retryable: false,
  });
}
