import { createHash } from 'node:crypto';
import { OssError } from '../errors';
import { sendEmpty, sendXml } from '../respond';
import { parseXml } from '../xml';
import { contentMd5Of, readSmallBody } from './body-checks';
import type { OperationContext } from './context';
import { checkTags } from './tags';

/** Ten tags of 128 + 256 characters (4 bytes each at most) fit well within this. */
const MAX_TAGGING_BODY_BYTES = 64 * 1024;

/** `PUT /{key}?tagging`: replaces the object's tags with the XML body's. */
export async function putObjectTagging(ctx: OperationContext): Promise<void> {
  const expectedMd5Base64 = contentMd5Of(ctx.request);
  if (!ctx.bucket.getObject(ctx.key)) throw new OssError('NoSuchKey', undefined, { Key: ctx.key });
  const body = await readSmallBody(ctx.req, MAX_TAGGING_BODY_BYTES, () => new OssError('MalformedXML', 'The Tagging body is too large.'));
  if (expectedMd5Base64 !== undefined && createHash('md5').update(body).digest('base64') !== expectedMd5Base64) throw new OssError('InvalidDigest');
  await ctx.bucket.setTags(ctx.key, checkTags(parseTagging(body.toString('utf8'))));
  sendEmpty(ctx.res, 200);
}

/** `GET /{key}?tagging`. */
export async function getObjectTagging(ctx: OperationContext): Promise<void> {
  const object = ctx.bucket.getObject(ctx.key);
  if (!object) throw new OssError('NoSuchKey', undefined, { Key: ctx.key });
  const tags = Object.entries(object.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  sendXml(ctx.res, 200, 'Tagging', { TagSet: tags.length === 0 ? '' : { Tag: tags } });
}

/** `DELETE /{key}?tagging`: 204. */
export async function deleteObjectTagging(ctx: OperationContext): Promise<void> {
  await ctx.bucket.setTags(ctx.key, undefined);
  sendEmpty(ctx.res, 204);
}

/** `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>…</TagSet></Tagging>`. */
function parseTagging(text: string): Array<[string, string]> {
  const document = parseXml(text, ['Tag']);
  const root = document.Tagging;
  if (typeof root !== 'object' || root === null) throw new OssError('MalformedXML');
  const tagSet = (root as { TagSet?: unknown }).TagSet;
  if (tagSet === '' || tagSet === undefined) return [];
  if (typeof tagSet !== 'object' || tagSet === null) throw new OssError('MalformedXML');
  const tags = (tagSet as { Tag?: unknown }).Tag ?? [];
  if (!Array.isArray(tags)) throw new OssError('MalformedXML');
  return tags.map((tag: unknown) => {
    const { Key, Value } = (typeof tag === 'object' && tag !== null ? tag : {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || (Value !== undefined && typeof Value !== 'string')) throw new OssError('MalformedXML');
    return [Key, Value ?? ''];
  });
}
