import { runCallback, type CallbackObject, type CallbackRequest } from '../callback';
import { renderXml } from '../xml';
import type { OperationContext } from './context';

/**
 * Answers a stored upload that asked for a callback: the callback's JSON with its Content-Type and
 * 200, or, when the callback failed, 203 with the CallbackFailed error XML (the object stays).
 * `headers` are the upload's own response headers (ETag, CRC-64), sent either way.
 */
export async function answerWithCallback(
  ctx: OperationContext,
  callback: CallbackRequest,
  object: Omit<CallbackObject, 'bucket' | 'object' | 'reqId' | 'clientIp'>,
  headers: Record<string, string>,
): Promise<void> {
  const reqId = String(ctx.res.getHeader('x-oss-request-id') ?? '');
  const outcome = await runCallback(
    callback,
    { ...object, bucket: ctx.bucket.name, object: ctx.key, reqId, clientIp: ctx.req.socket.remoteAddress ?? '' },
    ctx.callback,
    ctx.callback.publicKeyUrl,
  );
  const { res } = ctx;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (outcome.ok) {
    res.statusCode = 200;
    res.setHeader('Content-Type', outcome.contentType);
    res.setHeader('Content-Length', String(outcome.body.length));
    res.end(outcome.body);
    return;
  }
  const body = Buffer.from(
    renderXml('Error', { Code: 'CallbackFailed', Message: outcome.message, RequestId: reqId, HostId: ctx.request.headers.host ?? 'localhost' }),
  );
  res.statusCode = 203;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}
