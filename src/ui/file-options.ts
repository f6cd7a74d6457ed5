import type { AddOptions, Uploader } from '../engine/contracts';
import type { UploaderFactory } from './store/upload-store';

/** Per-file engine options beyond the key (e.g. `meta` from `beforeUpload`), handed to `add()` with the file. */
export type FileOptions = Omit<AddOptions, 'key' | 'handle'>;

/**
 * Wraps an engine factory so each `add(file)` also gets the options remembered for that file
 * (`remember`), whoever calls it: the store adds files at once or on Start, in slices.
 */
export function withFileOptions(factory: UploaderFactory): { factory: UploaderFactory; remember: (file: File, options: FileOptions) => void } {
  const byFile = new WeakMap<File, FileOptions>();
  return {
    remember: (file, options) => byFile.set(file, options),
    factory: async () => {
      const engine = await factory();
      return new Proxy(engine, {
        get(target, property) {
          if (property === 'add') return (file: File, options: AddOptions = {}) => target.add(file, { ...byFile.get(file), ...options });
          // Methods run on the engine itself (it may keep private fields).
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }) as Uploader;
    },
  };
}
