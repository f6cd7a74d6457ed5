/** The path of a file inside a picked or dropped folder ("photos/2024/a.jpg"), as `webkitRelativePath` carries it. */

/** `webkitRelativePath` is a read-only getter on File.prototype; an own property shadows it. */
export function withRelativePath(file: File, fullPath: string): File {
  Object.defineProperty(file, 'webkitRelativePath', { value: fullPath.replace(/^\/+/, ''), configurable: true });
  return file;
}

export function relativePathOf(file: File): string | undefined {
  return file.webkitRelativePath || undefined;
}
