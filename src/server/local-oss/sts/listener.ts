import type { IncomingMessage, ServerResponse } from 'node:http';
import { type StsContext, handleStsRequest } from './assume-role';
import { StsApiError } from './errors';

/** Form bodies carry at most a 2048-character policy, percent-encoded (×3), plus a few short fields. */
const MAX_BODY_BYTES = 16 * 1024;

/**
 * A Node `http` request listener serving AssumeRole on any path (ali-oss uses its STS endpoint as
 * the full URL).
 *
 * @example http.createServer(createStsListener(ctx)).listen(0, '127.0.0.1')
 */
export function createStsListener(ctx: StsContext): (req: IncomingMessage, res: ServerResponse) => void {
  return function stsListener(req, res) {
    readBody(req, MAX_BODY_BYTES).then(
      (body) => {
        const url = new URL(req.url ?? '/', 'http://sts.local');
        const contentType = req.headers['content-type'];
        send(res, handleStsRequest({ method: req.method ?? 'GET', query: url.searchParams, body, ...(contentType ? { contentType } : {}) }, ctx));
      },
      (error: unknown) => {
        const e = error instanceof StsApiError ? error : new StsApiError('InternalError');
        // The rest of an oversized body is not wanted: close the connection once the answer is out,
        // instead of reading whatever the client keeps sending.
        if (!req.complete) res.setHeader('connection', 'close');
        send(res, { status: e.status, body: JSON.stringify({ RequestId: '', HostId: 'sts.local', Code: e.code, Message: e.message }) });
        req.resume();
      },
    );
  };
}

function send(res: ServerResponse, answer: { status: number; body: string }): void {
  res.writeHead(answer.status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new StsApiError('RequestTooLarge'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new StsApiError('RequestTooLarge'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
