/** Messages between `crc64.ts` and `crc64.worker.ts`. */
export type Crc64Request = { id: number; blob: Blob } | { id: number; cancel: true };

/** A failure keeps its DOMException name (e.g. NotReadableError when the file went away). */
export type Crc64Response = { id: number; crc64: string } | { id: number; error: { name: string; message: string } };
