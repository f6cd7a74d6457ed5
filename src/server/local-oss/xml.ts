import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { OssError } from './errors';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const builder = new XMLBuilder({});

/** An element's content: text, a child element, or an array for repeated children (omitted when empty). */
export type XmlValue = string | number | XmlElement | XmlElement[] | string[];
export interface XmlElement {
  [name: string]: XmlValue;
}

/** Renders `<root>…</root>` with the XML declaration OSS sends. Text is escaped by the builder. */
export function renderXml(root: string, content: XmlElement): string {
  return XML_DECLARATION + builder.build({ [root]: content });
}

/** CompleteMultipartUpload > Part > PartNumber is 3 deep; a body far deeper is no OSS request. */
const MAX_DEPTH = 16;

/**
 * Parses a request body; text values stay strings. Anything not well-formed is MalformedXML, and so
 * is any DOCTYPE: no OSS request body needs a DTD, and without one no entity can be declared (XXE,
 * expansion bombs).
 */
export function parseXml(text: string, repeatedElements: readonly string[], options: { trimValues?: boolean } = {}): Record<string, unknown> {
  if (text.trim() === '' || /<!DOCTYPE/i.test(text)) throw new OssError('MalformedXML');
  const parser = new XMLParser({
    parseTagValue: false,
    maxNestedTags: MAX_DEPTH,
    isArray: (name) => repeatedElements.includes(name),
    // Object keys may begin or end with spaces; trimming would delete another object.
    trimValues: options.trimValues ?? true,
    // Character references (`&#39;`, which ali-oss writes for `'` in a key) are XML; without this
    // option the parser decodes only the five named entities. (It also decodes HTML names such as
    // `&copy;`, which an XML parser would refuse as undeclared.)
    htmlEntities: true,
  });
  let document: Record<string, unknown>;
  try {
    // Before the validator, so a deep body is refused at MAX_DEPTH instead of walked to the end.
    document = parser.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new OssError('MalformedXML', undefined, {}, { cause: error });
  }
  if (XMLValidator.validate(text) !== true) throw new OssError('MalformedXML');
  return document;
}
