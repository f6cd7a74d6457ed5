/**
 * Files that come with a FileSystemFileHandle (File System Access API: `showOpenFilePicker`,
 * `showDirectoryPicker`, `DataTransferItem.getAsFileSystemHandle`, Chromium-based browsers). The
 * engine saves the handle with the checkpoint, so after a reload the upload continues with one click
 * instead of a file dialog. Everything here is feature-detected; elsewhere files come from
 * `<input type=file>` and carry no handle.
 */

import { withRelativePath } from './relative-path';

/** What `showOpenFilePicker` takes; TypeScript's DOM library does not declare it yet. */
interface OpenFilePickerOptions {
  multiple?: boolean;
  excludeAcceptAllOption?: boolean;
  types?: Array<{ description?: string; accept: Record<string, string[]> }>;
}

type ShowOpenFilePicker = (options?: OpenFilePickerOptions) => Promise<FileSystemFileHandle[]>;
type ShowDirectoryPicker = (options?: { mode?: 'read' }) => Promise<FileSystemDirectoryHandle>;
/** Async iteration of a directory's entries; not in every TypeScript DOM library yet. */
type IterableDirectory = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };

/** `getAsFileSystemHandle` of a dropped item; absent outside Chromium-based browsers. */
type WithHandleGetter = DataTransferItem & { getAsFileSystemHandle?: () => Promise<FileSystemHandle | null> };

/**
 * Which handle a File was opened from. Keyed by the File object itself, so the files flow through
 * the drop zone, the file rules and the store as plain Files and pick up their handle at the end.
 */
const handles = new WeakMap<File, FileSystemFileHandle>();

export function rememberHandle(file: File, handle: FileSystemFileHandle): File {
  handles.set(file, handle);
  return file;
}

export function handleOf(file: File): FileSystemFileHandle | undefined {
  return handles.get(file);
}

/** The page's picker function of that name, bound, or undefined where the browser has none. */
function pickerNamed<T>(name: 'showOpenFilePicker' | 'showDirectoryPicker'): T | undefined {
  const candidate = (globalThis as Record<string, unknown>)[name];
  return typeof candidate === 'function' ? (candidate.bind(globalThis) as T) : undefined;
}

const picker = (): ShowOpenFilePicker | undefined => pickerNamed<ShowOpenFilePicker>('showOpenFilePicker');
const folderPicker = (): ShowDirectoryPicker | undefined => pickerNamed<ShowDirectoryPicker>('showDirectoryPicker');

/** The person closed the picker. */
function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/** Read at each call, not at load: a page (or test) may add or remove the API later. */
export function canPickWithHandles(): boolean {
  return picker() !== undefined;
}

export function canPickFolderWithHandles(): boolean {
  return folderPicker() !== undefined;
}

/**
 * Opens the system folder picker through `showDirectoryPicker` and returns every file under the
 * chosen folder, with its relative path ("photos/2024/a.jpg", as from `<input webkitdirectory>`)
 * and its handle remembered; an empty list when the person closes it. Throws when the API is
 * missing or refuses: the caller then falls back to the folder input.
 */
export async function pickFolderWithHandles(): Promise<File[]> {
  const show = folderPicker();
  if (!show) throw new Error('showDirectoryPicker is not available');
  let folder: FileSystemDirectoryHandle;
  try {
    folder = await show({ mode: 'read' });
  } catch (error) {
    if (isAbort(error)) return [];
    throw error;
  }
  // Entries come in no set order; sorted by path, the list reads like the folder.
  return (await filesUnder(folder, folder.name)).sort((a, b) => (a.webkitRelativePath < b.webkitRelativePath ? -1 : 1));
}

async function filesUnder(directory: FileSystemDirectoryHandle, path: string): Promise<File[]> {
  const found: Array<Promise<File[]>> = [];
  for await (const entry of (directory as IterableDirectory).values()) {
    const entryPath = `${path}/${entry.name}`;
    if (isFileHandle(entry)) found.push(entry.getFile().then((file) => [rememberHandle(withRelativePath(file, entryPath), entry)]));
    else if (isDirectoryHandle(entry)) found.push(filesUnder(entry, entryPath));
  }
  return (await Promise.all(found)).flat();
}

/**
 * Opens the system picker through `showOpenFilePicker` and returns the chosen files with their
 * handles remembered; an empty list when the person closes it. Throws when the API is missing or
 * refuses (cross-origin frame, bad `types`): the caller then falls back to the file input.
 */
export async function pickFilesWithHandles(options: { multiple: boolean; accept?: string }): Promise<File[]> {
  const show = picker();
  if (!show) throw new Error('showOpenFilePicker is not available');
  const types = pickerTypes(options.accept);
  let chosen: FileSystemFileHandle[];
  try {
    chosen = await show({ multiple: options.multiple, ...(types ? { types } : {}) });
  } catch (error) {
    if (isAbort(error)) return [];
    if (!(error instanceof TypeError) || !types) throw error;
    // An `accept` the picker cannot express: offer every file; the file rules still refuse others.
    chosen = await show({ multiple: options.multiple }).catch((retryError: unknown) => {
      if (isAbort(retryError)) return [];
      throw retryError;
    });
  }
  return Promise.all(chosen.map(async (handle) => rememberHandle(await handle.getFile(), handle)));
}

/**
 * The `accept` attribute (".pdf,image/*") as picker types. Extensions without a MIME type are
 * listed under application/octet-stream, which the picker accepts as a catch-all key.
 */
export function pickerTypes(accept: string | undefined): OpenFilePickerOptions['types'] | undefined {
  const tokens = (accept ?? '').split(',').map((token) => token.trim()).filter(Boolean);
  if (tokens.length === 0) return undefined;
  const record: Record<string, string[]> = {};
  const extensions = tokens.filter((token) => token.startsWith('.'));
  for (const mime of tokens.filter((token) => token.includes('/'))) record[mime] = [];
  if (extensions.length > 0) record['application/octet-stream'] = extensions;
  return Object.keys(record).length > 0 ? [{ description: accept, accept: record }] : undefined;
}

/**
 * Asks every dropped item for its handle. Must run synchronously inside the `drop` handler, like
 * `webkitGetAsEntry`: the DataTransfer is emptied once the event returns. Index i belongs to
 * `items[i]`; undefined where the browser has no handles.
 */
export function takeDroppedHandles(items: readonly DataTransferItem[]): Array<Promise<FileSystemHandle | null> | undefined> {
  return items.map((item) => {
    const getter = (item as WithHandleGetter).getAsFileSystemHandle;
    if (item.kind !== 'file' || typeof getter !== 'function') return undefined;
    // A failing lookup only costs the one-click resume of that file.
    return getter.call(item).catch(() => null);
  });
}

export function isFileHandle(handle: FileSystemHandle | null | undefined): handle is FileSystemFileHandle {
  return handle?.kind === 'file';
}

export function isDirectoryHandle(handle: FileSystemHandle | null | undefined): handle is FileSystemDirectoryHandle {
  return handle?.kind === 'directory';
}

/**
 * Gives files found inside a dropped folder their handles, looked up through the folder's handle
 * one directory level at a time along each file's relative path ("photos/2024/a.jpg" from
 * "photos"). A file the lookup does not find, or finds with another size or modification time
 * than the dropped one (the folder changed meanwhile), keeps no handle: it resumes by reselecting.
 */
export async function rememberHandlesInFolder(files: readonly File[], folder: FileSystemDirectoryHandle): Promise<void> {
  const directories = new Map<string, Promise<FileSystemDirectoryHandle | null>>([['', Promise.resolve(folder)]]);
  const directoryAt = (segments: readonly string[]): Promise<FileSystemDirectoryHandle | null> => {
    const path = segments.join('/');
    let found = directories.get(path);
    if (!found) {
      const parent = directoryAt(segments.slice(0, -1));
      found = parent.then((directory) => directory?.getDirectoryHandle(segments[segments.length - 1]!) ?? null);
      directories.set(path, found);
    }
    return found;
  };
  await Promise.all(
    files.map(async (file) => {
      // The first segment is the dropped folder itself.
      const segments = file.webkitRelativePath.split('/').slice(1);
      const name = segments.pop();
      if (!name) return;
      try {
        const handle = await (await directoryAt(segments))?.getFileHandle(name);
        const current = await handle?.getFile();
        if (handle && current && current.size === file.size && current.lastModified === file.lastModified) rememberHandle(file, handle);
      } catch {
        // Not found, not readable, or a handle that cannot be searched: this file resumes by reselecting.
      }
    }),
  );
}
