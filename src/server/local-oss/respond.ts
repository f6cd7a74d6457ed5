import type { ServerResponse } from 'node:http';
import { renderXml, type XmlElement } from './xml';

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  // HEAD passes the object's length; everything else here has no body.
  if (!res.hasHeader('Content-Length')) res.setHeader('Content-Length', '0');
  res.end();
}

export function sendXml(res: ServerResponse, status: number, root: string, content: XmlElement, headers: Record<string, string> = {}): void {
  const body = Buffer.from(renderXml(root, content));
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

/** `2012-02-24T08:43:07.000Z`, the timestamp format of OSS XML. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
