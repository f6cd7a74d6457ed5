/** What is persisted as JSON for objects, uploads and parts. */

/** Headers stored with an object and returned by GET/HEAD: content-type, cache-control, …, x-oss-meta-*. */
export type StoredHeaders = Record<string, string>;

/** One data file of an object, in order. A Normal object has one; a Multipart object one per part. */
export interface ObjectSegment {
  blob: string;
  size: number;
}

export interface ObjectRecord {
  key: string;
  size: number;
  /** With quotes, as sent in the `ETag` header. */
  etag: string;
  /** Unsigned decimal. */
  crc64: string;
  /** ms since epoch */
  lastModified: number;
  type: 'Normal' | 'Multipart';
  headers: StoredHeaders;
  segments: ObjectSegment[];
  /** Object tags in the order given (PutObjectTagging, `x-oss-tagging`); absent = none. */
  tags?: ObjectTags;
}

/** Tag key → value, at most 10 (see operations/tags.ts). */
export type ObjectTags = Record<string, string>;

/** An unfinished upload as listings show it; all the server keeps in memory about one (see BucketStore). */
export interface UploadRecord {
  uploadId: string;
  key: string;
  /** ms since epoch */
  initiated: number;
}

/** `upload.json`: the record plus the object headers given at Initiate, read back only by Complete. */
export interface UploadManifest extends UploadRecord {
  headers: StoredHeaders;
  /** `x-oss-tagging` given at Initiate, for the completed object. */
  tags?: ObjectTags;
}

export interface PartRecord {
  partNumber: number;
  blob: string;
  size: number;
  /** Upper-case hex MD5 without quotes. */
  md5: string;
  crc64: string;
  lastModified: number;
}

export function quotedEtag(md5OrMultipart: string): string {
  return `"${md5OrMultipart}"`;
}
