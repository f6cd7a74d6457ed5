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

/** Parses a request body; text values stay strings. Anything not well-formed is MalformedXML. */
export function parseXml(text: string, repeatedElements: readonly string[]): Record<string, unknown> {
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw new OssError('MalformedXML');
  const parser = new XMLParser({ parseTagValue: false, isArray: (name) => repeatedElements.includes(name) });
  return parser.parse(text) as Record<string, unknown>;
}
