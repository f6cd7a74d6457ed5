import { createHash } from 'node:crypto';
import { actionForOperation, authorize } from '../auth';
import { OssError } from '../errors';
import { queryValue } from '../request';
import { sendXml } from '../respond';
import { parseXml } from '../xml';
import { contentMd5Of, readSmallBody } from './body-checks';
import type { OperationContext } from './context';
import { assertValidKey } from './keys';

/** OSS: at most 1,000 keys per request. */
export const MAX_DELETE_KEYS = 1000;
/** 1,000 keys of 1023 bytes, escaped, with their elements, fit within this. */
const MAX_DELETE_BODY_BYTES = 8 * 1024 * 1024;

/**
 * `POST /?delete` with `<Delete><Quiet>…</Quiet><Object><Key>…</Key></Object>…</Delete>`.
 * Content-MD5 is required (as on OSS) and checked. Each key needs `oss:DeleteObject` on that key:
 * OSS's DeleteResult has no per-key error element, and OSS refuses a batch delete the requester
 * may not perform with 403 AccessDenied (EC 0016-00000616), so every key is authorized before any
 * is deleted and one denied key refuses the whole request, deleting nothing. A key that does not
 * exist counts as deleted. Verbose: one `<Deleted>` per key; quiet: an empty `<DeleteResult>`.
 */
export async function deleteMultipleObjects(ctx: OperationContext): Promise<void> {
  const expectedMd5Base64 = contentMd5Of(ctx.request);
  if (expectedMd5Base64 === undefined) throw new OssError('InvalidDigest', 'DeleteMultipleObjects requires the Content-MD5 header.');
  const encodingType = queryValue(ctx.request, 'encoding-type');
  if (encodingType !== undefined && encodingType !== '' && encodingType !== 'url') {
    throw new OssError('InvalidArgument', 'encoding-type must be url.', { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  const body = await readSmallBody(ctx.req, MAX_DELETE_BODY_BYTES, () => new OssError('MalformedXML', 'The Delete body is too large.'));
  if (createHash('md5').update(body).digest('base64') !== expectedMd5Base64) throw new OssError('InvalidDigest');
  const { quiet, keys } = parseDeleteBody(body.toString('utf8'));
  for (const key of keys) authorize(ctx.principal, actionForOperation('DeleteObject', { bucket: ctx.bucket.name, key }), ctx.auth);
  for (const key of keys) await ctx.bucket.deleteObject(key);
  const encode = encodingType === 'url' ? (key: string) => encodeURIComponent(key) : (key: string) => key;
  sendXml(ctx.res, 200, 'DeleteResult', {
    ...(encodingType === 'url' ? { EncodingType: 'url' } : {}),
    ...(quiet ? {} : { Deleted: keys.map((key) => ({ Key: encode(key) })) }),
  });
}

function parseDeleteBody(text: string): { quiet: boolean; keys: string[] } {
  const document = parseXml(text, ['Object'], { trimValues: false });
  const root = document.Delete;
  if (typeof root !== 'object' || root === null) throw new OssError('MalformedXML');
  const { Quiet, Object: objects } = root as { Quiet?: unknown; Object?: unknown };
  if (Quiet !== undefined && (typeof Quiet !== 'string' || !/^(true|false)$/i.test(Quiet.trim()))) throw new OssError('MalformedXML');
  if (!Array.isArray(objects) || objects.length === 0) throw new OssError('MalformedXML');
  if (objects.length > MAX_DELETE_KEYS) throw new OssError('MalformedXML', `A DeleteMultipleObjects request may name at most ${MAX_DELETE_KEYS} objects.`);
  const keys = objects.map((object: unknown) => {
    const { Key, VersionId } = (typeof object === 'object' && object !== null ? object : {}) as { Key?: unknown; VersionId?: unknown };
    if (typeof Key !== 'string') throw new OssError('MalformedXML');
    if (VersionId !== undefined && VersionId !== '') throw new OssError('NotImplemented', 'The local OSS does not implement DeleteMultipleObjects with VersionId.');
    assertValidKey(Key);
    return Key;
  });
  return { quiet: typeof Quiet === 'string' && Quiet.trim().toLowerCase() === 'true', keys: [...new Set(keys)] };
}
