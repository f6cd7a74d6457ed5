/**
 * Turns a drop into a flat list of files, walking dropped folders. Files found inside a folder get
 * `webkitRelativePath` ("photos/2024/a.jpg"), exactly like files from a folder picker, so the rest
 * of the app (and the engine's default object key) treats both the same way.
 */

import { isDirectoryHandle, isFileHandle, rememberHandle, rememberHandlesInFolder, takeDroppedHandles } from './file-handles';
import { withRelativePath } from './relative-path';

type DroppedItem = FileSystemEntry | File;

/** A top-level dropped item and, where the browser offers it, the lookup of its handle. */
interface Dropped {
  item: DroppedItem;
  handle: Promise<FileSystemHandle | null> | undefined;
}

/**
 * Must be called synchronously inside the `drop` handler: the browser empties the DataTransfer
 * once the event returns, so the entries are taken first and walked afterwards.
 */
export function takeDroppedItems(dataTransfer: DataTransfer): () => Promise<File[]> {
  const fileItems = Array.from(dataTransfer.items).filter((item) => item.kind === 'file');
  const handles = takeDroppedHandles(fileItems);
  const dropped: Dropped[] = [];
  fileItems.forEach((item, index) => {
    const entry = item.webkitGetAsEntry?.() ?? null;
    const file = entry ? null : item.getAsFile();
    const handle = handles[index];
    if (entry) dropped.push({ item: entry, handle });
    else if (file) dropped.push({ item: file, handle });
  });
  return async () => (await Promise.all(dropped.map(walkTopLevel))).flat();
}

/**
 * A dropped file keeps its handle (for one-click resume after a reload); files inside a dropped
 * folder get theirs through the folder's handle.
 */
async function walkTopLevel({ item, handle }: Dropped): Promise<File[]> {
  const [files, found] = await Promise.all([walk(item), handle]);
  const folder = !(item instanceof File) && item.isDirectory;
  if (folder) {
    if (isDirectoryHandle(found)) await rememberHandlesInFolder(files, found);
    return files;
  }
  const [only] = files;
  if (only && files.length === 1 && isFileHandle(found)) rememberHandle(only, found);
  return files;
}

async function walk(item: DroppedItem): Promise<File[]> {
  if (item instanceof File) return [item];
  if (isFileEntry(item)) {
    const file = await readFile(item);
    // Top-level files keep an empty relative path, like files from a plain file picker.
    return [item.fullPath.split('/').filter(Boolean).length > 1 ? withRelativePath(file, item.fullPath) : file];
  }
  if (isDirectoryEntry(item)) {
    const children = await readAllEntries(item);
    return (await Promise.all(children.map(walk))).flat();
  }
  return [];
}

function isFileEntry(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function isDirectoryEntry(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}

function readFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** readEntries() answers in batches (100 in Chromium); call it until it returns nothing. */
async function readAllEntries(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}
