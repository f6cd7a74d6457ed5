/**
 * Turns a drop into a flat list of files, walking dropped folders. Files found inside a folder get
 * `webkitRelativePath` ("photos/2024/a.jpg"), exactly like files from a folder picker, so the rest
 * of the app (and the engine's default object key) treats both the same way.
 */

type DroppedItem = FileSystemEntry | File;

/**
 * Must be called synchronously inside the `drop` handler: the browser empties the DataTransfer
 * once the event returns, so the entries are taken first and walked afterwards.
 */
export function takeDroppedItems(dataTransfer: DataTransfer): () => Promise<File[]> {
  const items: DroppedItem[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    const file = entry ? null : item.getAsFile();
    if (entry) items.push(entry);
    else if (file) items.push(file);
  }
  return async () => (await Promise.all(items.map(walk))).flat();
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

/** `webkitRelativePath` is a read-only getter on File.prototype; an own property shadows it. */
export function withRelativePath(file: File, fullPath: string): File {
  Object.defineProperty(file, 'webkitRelativePath', { value: fullPath.replace(/^\/+/, ''), configurable: true });
  return file;
}

export function relativePathOf(file: File): string | undefined {
  return file.webkitRelativePath || undefined;
}
