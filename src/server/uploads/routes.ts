import type { Context, Hono } from 'hono';
import type {
  TokenErrorCode,
  TokenErrorResponse,
  UploadCallbackAnswer,
  UploadConfirmRequest,
  UploadListItem,
  UploadListResponse,
} from '../../shared/token-response';
import { decodeFileName, MAX_FILE_NAME_LENGTH } from '../../shared/upload-callback';
import type { UploaderIdentity } from '../token/authorize';
import type { TokenLogger } from '../token/logger';
import { uploadPrefixFor } from '../token/subject';
import { CallbackSignatureError, type CallbackVerifier } from './callback-signature';
import { keyBaseName, subjectOfKey } from './keys';
import { mapLimited } from './map-limited';
import { normalizeEtag, ObjectRequestError, type UploadObjects } from './oss-objects';
import type { Reconciler } from './reconcile';
import { CursorError, type UploadStore } from './store';

export interface UploadRoutesContext {
  store: UploadStore;
  objects: UploadObjects;
  /** Records objects of the visitor's prefix that have none, before a first page is listed. */
  reconciler: Reconciler;
  verifier: CallbackVerifier;
  /** The callback URL the token endpoint issues; null when it issues none. */
  callbackUrl: () => string | null;
  keyPrefix: string;
  bucket: string;
  logger: TokenLogger;
  /** The token app's rate limits, identity and STS error handling. */
  guarded: (c: Context, failure: string, handle: (uploader: UploaderIdentity) => Promise<Response>) => Promise<Response>;
}

const DEFAULT_PAGE = 20;
const MAX_PAGE = 50;
/** Download links are signed this many at a time. */
const SIGNING_CONCURRENCY = 4;

type Status = 400 | 403 | 404 | 405 | 409 | 415 | 502 | 503;

function errorResponse(c: Context, status: Status, code: TokenErrorCode, message: string): Response {
  const body: TokenErrorResponse = { error: { code, message } };
  return c.json(body, status);
}

/**
 * `GET /uploads`, `DELETE /uploads/:id`, `POST /uploads/confirm` (the visitor's, behind the
 * cookie) and `POST /uploads/callback` (OSS's, behind its signature).
 */
export function registerUploadRoutes(app: Hono, ctx: UploadRoutesContext): void {
  const { store, objects, logger } = ctx;

  /** Storage and database failures as answers of ours; anything else is rethrown. */
  function failureResponse(c: Context, subject: string, error: unknown): Response {
    if (error instanceof ObjectRequestError) {
      logger.warn('uploads.storage-failed', { subject, message: error.message });
      return errorResponse(c, 502, 'StorageUnavailable', 'the storage could not be asked; try again in a minute');
    }
    if (isDatabaseError(error)) {
      logger.warn('uploads.records-failed', { subject, message: (error as Error).message });
      return errorResponse(c, 503, 'RecordsUnavailable', 'the upload records cannot be reached; try again in a minute');
    }
    throw error;
  }

  /**
   * Uploads whose callback and confirm were both lost get their records here (at most once
   * every 30 s per visitor, see reconcile.ts). A failure is logged and the list is served from the
   * records as they are.
   */
  async function reconcile(subject: string): Promise<void> {
    try {
      const report = await ctx.reconciler.reconcile(subject);
      if (report && report.recorded > 0) logger.info('uploads.reconciled', { subject, ...report });
    } catch (error) {
      logger.warn('uploads.reconcile-failed', { subject, name: error instanceof Error ? error.name : typeof error, message: error instanceof Error ? error.message : String(error) });
    }
  }

  app.post('/uploads/callback', async (c) => {
    const refuse = (status: 400 | 403 | 409, code: TokenErrorCode, reason: string): Response => {
      logger.warn('uploads.callback-refused', { status, reason });
      return errorResponse(c, status, code, reason);
    };
    const callbackUrl = ctx.callbackUrl();
    if (callbackUrl === null) return refuse(403, 'CallbackRefused', 'this endpoint takes no callbacks');
    const body = new Uint8Array(await c.req.arrayBuffer());
    try {
      await ctx.verifier.verify({
        authorization: c.req.header('authorization'),
        publicKeyUrl: c.req.header('x-oss-pub-key-url'),
        // What OSS signed is the URL we issued; a proxy or a host framework may have rewritten ours.
        signedPath: new URL(callbackUrl).pathname,
        query: new URL(c.req.url).search.slice(1),
        body,
      });
    } catch (error) {
      if (!(error instanceof CallbackSignatureError)) throw error;
      if (error.status === 502) {
        logger.warn('uploads.public-key-failed', { message: error.message });
        return errorResponse(c, 502, 'CallbackRefused', 'the signature could not be checked');
      }
      return refuse(error.status, error.status === 400 ? 'InvalidCallback' : 'CallbackRefused', error.message);
    }
    // Signed by OSS, but the browser wrote the template: every value may be a literal it chose.
    // Only what our own HEAD confirms is believed, and the visitor comes from the key's prefix.
    const form = new URLSearchParams(new TextDecoder().decode(body));
    const key = form.get('object');
    const etag = form.get('etag');
    if (!key || !etag) return refuse(400, 'InvalidCallback', 'the callback body lacks object or etag');
    if (form.get('bucket') !== ctx.bucket) return refuse(403, 'CallbackRefused', 'the callback is for another bucket');
    const subject = subjectOfKey(ctx.keyPrefix, key);
    if (subject === null) return refuse(403, 'CallbackRefused', 'the object is not under an uploader prefix');
    const claimed = form.get('uploader');
    if (claimed !== null && claimed !== subject) return refuse(403, 'CallbackRefused', 'the uploader named does not own the object');
    try {
      const stored = await objects.head(subject, key);
      // A replay after a delete, or of an older version of the key: nothing (new) to record.
      if (!stored) return refuse(409, 'CallbackStale', 'the object is not stored');
      if (stored.etag !== normalizeEtag(etag)) return refuse(409, 'CallbackStale', 'the object holds other content');
      const name = decodeFileName(form.get('name') ?? '') || keyBaseName(key);
      const { record, created } = await store.record({ subject, key, ...stored, name, recordedBy: 'callback' });
      logger.info('uploads.recorded', { subject, id: record.id, via: 'callback', created });
      const answer: UploadCallbackAnswer = { upload: record };
      return c.json(answer);
    } catch (error) {
      return failureResponse(c, subject, error);
    }
  });

  app.post('/uploads/confirm', (c) =>
    ctx.guarded(c, 'could not record the upload', async ({ subject }) => {
      // JSON only: a cross-site form cannot send it without a CORS preflight.
      if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
        return errorResponse(c, 415, 'InvalidRequest', 'send the key as application/json');
      }
      let request: Partial<UploadConfirmRequest>;
      try {
        request = (await c.req.json()) as Partial<UploadConfirmRequest>;
      } catch {
        return errorResponse(c, 400, 'InvalidRequest', 'the body is not JSON');
      }
      const { key, name } = request ?? {};
      if (typeof key !== 'string' || (name !== undefined && typeof name !== 'string')) {
        return errorResponse(c, 400, 'InvalidRequest', 'key (a string) is required; name, when given, is a string');
      }
      if (!key.startsWith(uploadPrefixFor(ctx.keyPrefix, subject)) || subjectOfKey(ctx.keyPrefix, key) !== subject) {
        return errorResponse(c, 403, 'InvalidKey', 'the key is not under your upload prefix');
      }
      try {
        const stored = await objects.head(subject, key);
        if (!stored) return errorResponse(c, 404, 'ObjectNotFound', 'nothing is stored under that key');
        const displayName = name?.slice(0, MAX_FILE_NAME_LENGTH) || keyBaseName(key);
        const { record, created } = await store.record({ subject, key, ...stored, name: displayName, recordedBy: 'confirm' });
        logger.info('uploads.recorded', { subject, id: record.id, via: 'confirm', created });
        const answer: UploadCallbackAnswer = { upload: record };
        return c.json(answer);
      } catch (error) {
        return failureResponse(c, subject, error);
      }
    }),
  );

  app.get('/uploads', (c) =>
    ctx.guarded(c, 'could not list the uploads', async ({ subject }) => {
      const limitText = c.req.query('limit');
      const limit = limitText === undefined ? DEFAULT_PAGE : /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
      if (!(limit >= 1 && limit <= MAX_PAGE)) return errorResponse(c, 400, 'InvalidRequest', `limit must be 1 to ${MAX_PAGE}`);
      const cursor = c.req.query('cursor');
      if (cursor === undefined) await reconcile(subject);
      try {
        const page = await store.list(subject, { limit, cursor });
        const uploads = await mapLimited(page.records, SIGNING_CONCURRENCY, async (record): Promise<UploadListItem> => {
          const link = await objects.downloadUrl(subject, record.key, record.name);
          return { ...record, downloadUrl: link.url, downloadUrlExpiration: link.expiration.toISOString() };
        });
        const body: UploadListResponse = { uploads, nextCursor: page.nextCursor };
        return c.json(body);
      } catch (error) {
        if (error instanceof CursorError) return errorResponse(c, 400, 'InvalidRequest', error.message);
        return failureResponse(c, subject, error);
      }
    }),
  );

  app.delete('/uploads/:id', (c) =>
    ctx.guarded(c, 'could not delete the upload', async ({ subject }) => {
      try {
        const record = await store.get(subject, c.req.param('id'));
        if (!record) return errorResponse(c, 404, 'UploadNotFound', 'no such upload');
        // The object first: a record without its object is worse than an object without a record.
        await objects.remove(subject, record.key);
        await store.remove(subject, record.id);
        logger.info('uploads.deleted', { subject, id: record.id });
        return c.body(null, 204);
      } catch (error) {
        return failureResponse(c, subject, error);
      }
    }),
  );

  const methods: Array<[string, string]> = [
    ['/uploads', 'GET'],
    ['/uploads/confirm', 'POST'],
    ['/uploads/callback', 'POST'],
    ['/uploads/:id', 'DELETE'],
  ];
  for (const [path, method] of methods) {
    app.options(path, (c) => c.body(null, 204, { Allow: `${method}, OPTIONS` }));
    app.all(path, (c) => {
      c.header('Allow', `${method}, OPTIONS`);
      return errorResponse(c, 405, 'MethodNotAllowed', `use ${method}`);
    });
  }
}

/** Errors from PGlite or pg (SQLSTATE codes, connection failures), not our own. */
function isDatabaseError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|PGlite is closed/i.test(error.message);
}
