import { describe, expect, test } from 'vitest';
import { takeDroppedItems } from '../../src/ui/files/dropped-files';
import { handleOf } from '../../src/ui/files/file-handles';
import { fileOf } from './fake-uploader';

/** Minimal stand-ins for the entries Chromium hands out for a dropped folder. */
function fileEntry(fullPath: string, file: File): FileSystemFileEntry {
  return { isFile: true, isDirectory: false, fullPath, name: file.name, file: (ok: (f: File) => void) => ok(file) } as unknown as FileSystemFileEntry;
}

function directoryEntry(fullPath: string, batches: FileSystemEntry[][]): FileSystemDirectoryEntry {
  return {
    isFile: false,
    isDirectory: true,
    fullPath,
    createReader: () => {
      const pending = [...batches, []];
      return { readEntries: (ok: (entries: FileSystemEntry[]) => void) => ok(pending.shift() ?? []) };
    },
  } as unknown as FileSystemDirectoryEntry;
}

function dataTransferOf(entries: Array<FileSystemEntry | File>): DataTransfer {
  const items = entries.map((entry) => {
    const file: File | null = entry instanceof File ? entry : null;
    const fsEntry: FileSystemEntry | null = entry instanceof File ? null : entry;
    return { kind: 'file', webkitGetAsEntry: () => fsEntry, getAsFile: () => file };
  });
  return { items } as unknown as DataTransfer;
}

describe('dropped folders', () => {
  test('are walked in every batch and keep their relative paths', async () => {
    const folder = directoryEntry('/photos', [
      [fileEntry('/photos/a.jpg', fileOf('a.jpg'))],
      [directoryEntry('/photos/2024', [[fileEntry('/photos/2024/b.jpg', fileOf('b.jpg'))]])],
    ]);
    const files = await takeDroppedItems(dataTransferOf([folder, fileEntry('/loose.txt', fileOf('loose.txt'))]))();
    expect(files.map((file) => [file.name, file.webkitRelativePath])).toEqual([
      ['a.jpg', 'photos/a.jpg'],
      ['b.jpg', 'photos/2024/b.jpg'],
      ['loose.txt', ''],
    ]);
  });

  test('plain files without entries are taken as they are', async () => {
    const files = await takeDroppedItems(dataTransferOf([fileOf('x.bin')]))();
    expect(files.map((file) => file.name)).toEqual(['x.bin']);
  });
});

describe('dropped file handles', () => {
  /** Items that also answer getAsFileSystemHandle, as Chromium's do; counts the calls. */
  function withHandles(transfer: DataTransfer, handles: Array<FileSystemHandle | null>): { calls: number } {
    const counter = { calls: 0 };
    const items = Array.from((transfer as unknown as { items: object[] }).items);
    items.forEach((item, index) => {
      Object.assign(item, {
        getAsFileSystemHandle: async () => {
          counter.calls += 1;
          return handles[index] ?? null;
        },
      });
    });
    return counter;
  }

  test('are asked for during the drop event; a folder handle that cannot be searched gives its files none', async () => {
    const fileHandle = { kind: 'file', name: 'loose.txt' } as FileSystemFileHandle;
    const folderHandle = { kind: 'directory', name: 'photos' } as FileSystemDirectoryHandle;
    const loose = fileOf('loose.txt');
    const inFolder = fileOf('a.jpg');
    const transfer = dataTransferOf([directoryEntry('/photos', [[fileEntry('/photos/a.jpg', inFolder)]]), fileEntry('/loose.txt', loose)]);
    const counter = withHandles(transfer, [folderHandle, fileHandle]);

    const collect = takeDroppedItems(transfer);
    // Synchronously, before the event returns and the browser empties the DataTransfer.
    expect(counter.calls).toBe(2);
    const files = await collect();
    expect(files.map((file) => [file.name, handleOf(file)?.name])).toEqual([
      ['a.jpg', undefined],
      ['loose.txt', 'loose.txt'],
    ]);
  });

  test("files in a dropped folder get handles through the folder's, unless missing or changed since the drop", async () => {
    // A folder in the origin private file system behaves like a dropped one and needs no dialog.
    const root = await navigator.storage.getDirectory();
    await root.removeEntry('photos', { recursive: true }).catch(() => undefined);
    const photos = await root.getDirectoryHandle('photos', { create: true });
    const year = await photos.getDirectoryHandle('2024', { create: true });
    const write = async (directory: FileSystemDirectoryHandle, name: string, text: string): Promise<File> => {
      const handle = await directory.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      await writable.write(text);
      await writable.close();
      return handle.getFile();
    };
    try {
      const a = await write(photos, 'a.jpg', 'aaa');
      const b = await write(year, 'b.jpg', 'bbbb');
      const changed = await write(year, 'c.jpg', 'c');
      await write(year, 'c.jpg', 'changed after the drop');
      const gone = fileOf('gone.jpg');
      const transfer = dataTransferOf([
        directoryEntry('/photos', [[fileEntry('/photos/a.jpg', a), directoryEntry('/photos/2024', [[fileEntry('/photos/2024/b.jpg', b), fileEntry('/photos/2024/c.jpg', changed), fileEntry('/photos/2024/gone.jpg', gone)]])]]),
      ]);
      withHandles(transfer, [photos]);

      const files = await takeDroppedItems(transfer)();
      expect(files.map((file) => [file.webkitRelativePath, handleOf(file)?.name])).toEqual([
        ['photos/a.jpg', 'a.jpg'],
        ['photos/2024/b.jpg', 'b.jpg'],
        ['photos/2024/c.jpg', undefined],
        ['photos/2024/gone.jpg', undefined],
      ]);
      expect(await (await handleOf(files[1]!)!.getFile()).text()).toBe('bbbb');
    } finally {
      await root.removeEntry('photos', { recursive: true });
    }
  });

  test('a browser without handles still delivers the files', async () => {
    const files = await takeDroppedItems(dataTransferOf([fileEntry('/x.bin', fileOf('x.bin'))]))();
    expect(files.map((file) => [file.name, handleOf(file)])).toEqual([['x.bin', undefined]]);
  });
});
