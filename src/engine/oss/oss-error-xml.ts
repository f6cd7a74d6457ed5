/** The fields of an OSS error body (`<Error><Code>…</Code>…</Error>`) that the engine reports. */
export interface OssErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? '';
  });
}

function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match ? decodeXmlText(match[1]!) : undefined;
}

/**
 * Reads an OSS error body. The format is flat and fixed, so a regex is enough, and unlike
 * DOMParser it also works in workers and Node. Anything that is not an `<Error>` document gives `{}`.
 */
export function parseOssErrorXml(text: string): OssErrorBody {
  if (!text.includes('<Error>')) return {};
  const body: OssErrorBody = {};
  const code = element(text, 'Code');
  const message = element(text, 'Message');
  const requestId = element(text, 'RequestId');
  if (code !== undefined) body.code = code;
  if (message !== undefined) body.message = message;
  if (requestId !== undefined) body.requestId = requestId;
  return body;
}
