import { describe, expect, test } from 'vitest';
import { takeDroppedItems } from '../../src/ui/files/dropped-files';
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
