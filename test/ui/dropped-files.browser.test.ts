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

  test('are asked for during the drop event and stay with top-level files, not with folders', async () => {
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

  test('a browser without handles still delivers the files', async () => {
    const files = await takeDroppedItems(dataTransferOf([fileEntry('/x.bin', fileOf('x.bin'))]))();
    expect(files.map((file) => [file.name, handleOf(file)])).toEqual([['x.bin', undefined]]);
  });
});
