import { queryValue } from '../request';
import { isoTime, sendXml } from '../respond';
import { compareUtf8 } from '../storage/bucket-store';
import type { UploadRecord } from '../storage/records';
import type { OperationContext } from './context';
import { listPage, nameEncoder, parseMax } from './listing';

const MAX_UPLOADS = 1000;

/**
 * `GET /?uploads`: unfinished uploads ordered by key, then by UploadId (both byte order), as OSS
 * documents. `key-marker` alone keeps keys after it; with `upload-id-marker` it also keeps the
 * uploads of the marker key whose UploadId is greater than the marker. `upload-id-marker` without
 * `key-marker` is ignored.
 */
export async function listMultipartUploads(ctx: OperationContext): Promise<void> {
  const query = (name: string): string => queryValue(ctx.request, name) ?? '';
  const encode = nameEncoder(queryValue(ctx.request, 'encoding-type'));
  const maxUploads = parseMax('max-uploads', queryValue(ctx.request, 'max-uploads'), MAX_UPLOADS, MAX_UPLOADS);
  const keyMarker = query('key-marker');
  const uploadIdMarker = query('upload-id-marker');
  const sorted = [...ctx.bucket.sortedUploads()].sort((a, b) => compareUtf8(a.key, b.key) || compareUtf8(a.uploadId, b.uploadId));
  const withIdMarker = keyMarker !== '' && uploadIdMarker !== '';
  const page = listPage(withIdMarker ? uploadsAfter(sorted, keyMarker, uploadIdMarker) : sorted, (upload) => upload.key, {
    prefix: query('prefix'),
    delimiter: query('delimiter'),
    // Without an id marker the key marker works like ListObjects' marker, common prefixes included.
    after: withIdMarker ? '' : keyMarker,
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

/** Uploads of keys after `keyMarker`, and those of `keyMarker` itself with an UploadId after `uploadIdMarker`. */
function uploadsAfter(sorted: UploadRecord[], keyMarker: string, uploadIdMarker: string): UploadRecord[] {
  return sorted.filter((upload) => {
    const byKey = compareUtf8(upload.key, keyMarker);
    return byKey > 0 || (byKey === 0 && compareUtf8(upload.uploadId, uploadIdMarker) > 0);
  });
}
