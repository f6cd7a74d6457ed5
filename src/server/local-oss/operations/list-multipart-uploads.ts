import { queryValue } from '../request';
import { isoTime, sendXml } from '../respond';
import { compareUtf8 } from '../storage/bucket-store';
import type { UploadRecord } from '../storage/records';
import type { OperationContext } from './context';
import { listPage, nameEncoder, parseMax } from './listing';

const MAX_UPLOADS = 1000;

/**
 * `GET /?uploads`: unfinished uploads ordered by key, then initiation time. `key-marker` skips
 * keys up to it; with `upload-id-marker` the uploads of that key after the given one are kept.
 */
export async function listMultipartUploads(ctx: OperationContext): Promise<void> {
  const query = (name: string): string => queryValue(ctx.request, name) ?? '';
  const encode = nameEncoder(queryValue(ctx.request, 'encoding-type'));
  const maxUploads = parseMax('max-uploads', queryValue(ctx.request, 'max-uploads'), MAX_UPLOADS, MAX_UPLOADS);
  const keyMarker = query('key-marker');
  const uploadIdMarker = query('upload-id-marker');
  const page = listPage(uploadsAfterMarker(ctx.bucket.sortedUploads(), keyMarker, uploadIdMarker), (upload) => upload.key, {
    prefix: query('prefix'),
    delimiter: query('delimiter'),
    after: '',
    max: maxUploads,
  });
  // The id marker pairs with the key marker only when the page ended on an upload, not a common prefix.
  const lastUpload = page.items.at(-1);
  const endedOnUpload = page.isTruncated && lastUpload !== undefined && page.last === lastUpload.key;
  sendXml(ctx.res, 200, 'ListMultipartUploadsResult', {
    Bucket: ctx.bucket.name,
    KeyMarker: encode(keyMarker),
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: page.isTruncated && page.last !== undefined ? encode(page.last) : '',
    NextUploadIdMarker: endedOnUpload ? lastUpload.uploadId : '',
    Delimiter: encode(query('delimiter')),
    Prefix: encode(query('prefix')),
    MaxUploads: maxUploads,
    IsTruncated: String(page.isTruncated),
    Upload: page.items.map((upload) => ({ Key: encode(upload.key), UploadId: upload.uploadId, Initiated: isoTime(upload.initiated) })),
    CommonPrefixes: page.commonPrefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  });
}

function uploadsAfterMarker(sorted: UploadRecord[], keyMarker: string, uploadIdMarker: string): UploadRecord[] {
  if (keyMarker === '') return sorted;
  const markerIndex = uploadIdMarker === '' ? -1 : sorted.findIndex((upload) => upload.key === keyMarker && upload.uploadId === uploadIdMarker);
  // Sorted by key first, so everything after the marker upload is its key's later uploads, then later keys.
  if (markerIndex !== -1) return sorted.slice(markerIndex + 1);
  return sorted.filter((upload) => compareUtf8(upload.key, keyMarker) > 0);
}
