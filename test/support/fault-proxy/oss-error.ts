import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The 5xx answers OSS gives when it is unwell, with its codes and messages. */
const SERVER_ERRORS = {
  500: ['InternalError', 'We encountered an internal error. Please try again.'],
  502: ['BadGateway', 'The gateway received an invalid response from the upstream server.'],
  503: ['ServiceUnavailable', 'Please reduce your request rate.'],
  504: ['GatewayTimeout', 'The gateway timed out waiting for the upstream server.'],
} as const satisfies Record<number, readonly [string, string]>;

export type ErrorStatus = keyof typeof SERVER_ERRORS;

/** Same list as the OSS server's CORS rule, so a browser can read the request id of a failed part. */
const EXPOSE_HEADERS = 'ETag, x-oss-request-id, x-oss-hash-crc64ecma';

/** Answers like OSS would: error XML, a request id, and CORS headers so the browser sees the status. */
export function sendOssError(request: IncomingMessage, response: ServerResponse, status: ErrorStatus): void {
  const [code, message] = SERVER_ERRORS[status];
  const requestId = randomBytes(12).toString('hex').toUpperCase();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId>` +
    `<HostId>${escapeXml(request.headers.host ?? 'localhost')}</HostId></Error>`;
  const origin = request.headers.origin;
  response.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-oss-request-id': requestId,
    'Access-Control-Allow-Origin': origin ?? '*',
    'Access-Control-Expose-Headers': EXPOSE_HEADERS,
    ...(origin === undefined ? {} : { Vary: 'Origin' }),
  });
  response.end(body);
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
