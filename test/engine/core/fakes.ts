/**
 * Scripted fakes of the engine's edges. `FakeOss` is a tiny in-memory multipart server behind
 * both `OssControl` and `PartTransport`: it records every call, keeps uploads and parts, and
 * lets a test intercept any call (throw an error, hold it at a gate, override a CRC).
 * CRCs here are the byte sum, which combines by addition just as CRC-64 combines by concatenation;
 * part ETags are the real quoted upper-case MD5, as OSS gives them.
 */
import { createHash } from 'node:crypto';
import type { BlobDigest, Checkpoint, CheckpointStore, Clock, Connectivity, Crc64Hasher, CreateUploaderOptions, Credentials, CredentialsSource, ListedPart, ObjectInfoSource, OssControl, PartTransport, UploadRecordsSource } from '../../../src/engine/contracts';
import { EngineError } from '../../../src/engine/errors/engine-error';
import { createMemoryCheckpointStore } from '../../../src/engine/checkpoints/memory-checkpoint-store';
import { createUploader } from '../../../src/engine/create-uploader';
import type { UploadRecord } from '../../../src/shared/token-response';
import { decodeFileName } from '../../../src/shared/upload-callback';
import type { UploadQueue } from '../../../src/engine/core/upload-queue';

export const PREFIX = 'users/42/';
export const KiB = 1024;

export function abortError(): DOMException {
  return new DOMException('The operation was aborted.', 'AbortError');
}

/** A file whose bytes depend on `seed`, never zero, so sums differ between seeds. */
export function makeFile(size: number, name = 'video.bin', seed = 1, type = 'application/octet-stream'): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = ((i * 31 + seed * 7) % 251) + 1;
  return new File([bytes], name, { type, lastModified: 1_700_000_000_000 });
}

export async function byteSum(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let sum = 0;
  for (const b of bytes) sum += b;
  return String(sum);
}

/** A part's ETag as OSS gives it: the quoted upper-case MD5 of its bytes. */
export async function md5Etag(blob: Blob): Promise<string> {
  return `"${await md5Hex(blob)}"`;
}

async function md5Hex(blob: Blob): Promise<string> {
  return createHash('md5').update(new Uint8Array(await blob.arrayBuffer())).digest('hex').toUpperCase();
}

/** Promises of the next matching events: what a test awaits instead of letting time pass. */
export class Awaited<T> {
  readonly #waiting = new Set<(value: T) => boolean>();

  /** Resolves with the `count`-th event from now that `match` accepts. */
  next(match: (value: T) => boolean = () => true, count = 1): Promise<T> {
    let left = count;
    return new Promise((resolve) => this.#waiting.add((value) => match(value) && --left === 0 && (resolve(value), true)));
  }

  emit(value: T): void {
    for (const waiter of [...this.#waiting]) if (waiter(value)) this.#waiting.delete(waiter);
  }
}

/**
 * Resolves waiters when opened; a waiter whose signal aborts rejects with an AbortError. A test
 * awaits `reached(n)` (n calls held at once) or `aborted(n)` (n let go by their signal, after their
 * rejection was handled).
 */
export class Gate {
  #open = false;
  #waiters = new Set<() => void>();
  waiting = 0;
  #aborted = 0;
  readonly #changes = new Awaited<void>();

  reached(count: number): Promise<void> {
    return this.waiting >= count ? Promise.resolve() : this.#changes.next(() => this.waiting >= count);
  }

  aborted(count: number): Promise<void> {
    return this.#aborted >= count ? Promise.resolve() : this.#changes.next(() => this.#aborted >= count);
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      this.waiting++;
      const done = (): void => {
        this.waiting--;
        this.#waiters.delete(done);
        resolve();
      };
      this.#waiters.add(done);
      this.#changes.emit();
      signal?.addEventListener('abort', () => {
        if (!this.#waiters.delete(done)) return;
        this.waiting--;
        reject(abortError());
        this.#aborted++;
        void Promise.resolve().then(() => this.#changes.emit());
      });
    });
  }

  open(): void {
    this.#open = true;
    for (const w of [...this.#waiters]) w();
  }
}

export type FakeOp = 'initiate' | 'listParts' | 'complete' | 'abort' | 'put' | 'objectInfo' | 'confirm';

export interface FakeCall {
  op: FakeOp;
  key: string;
  accessKeyId: string;
  uploadId?: string;
  partNumber?: number;
  size?: number;
  signal?: AbortSignal;
  /** Request headers beyond the usual ones (object headers, callback, overwrite guard), when any. */
  headers?: Record<string, string>;
}

/** Returning `{ crc64 }` overrides the CRC the server reports for a put or complete. */
export type Interceptor = (call: FakeCall) => void | { crc64: string | null } | Promise<void | { crc64: string | null }>;

interface StoredPart {
  etag: string;
  size: number;
  crc64: string;
}

export class FakeOss {
  readonly calls: FakeCall[] = [];
  readonly uploads = new Map<string, { key: string; parts: Map<number, StoredPart> }>();
  readonly objects = new Map<string, { etag: string; crc64: string; size: number; contentType?: string }>();
  /** Access key ids the server refuses with SecurityTokenExpired. */
  readonly revoked = new Set<string>();
  /** Whether ListParts reports each part's CRC. */
  listsCrc = true;
  /** Parts per ListParts page; all in one page when unset. */
  listPageSize: number | undefined;
  /** Whether the token endpoint offers its object-info route. */
  objectInfoOffered = true;
  /**
   * How the app server answers OSS's upload callback (requests with x-oss-callback): with a record
   * (`answer`), or not at all (`fail`: OSS stores the object and answers 203 CallbackFailed).
   */
  callbackOutcome: 'answer' | 'fail' = 'answer';
  /** Records the app server made, by key (callback or confirm). */
  readonly records = new Map<string, UploadRecord>();
  /** Headers stored with each object (Initiate's for multipart), by key. */
  readonly storedHeaders = new Map<string, Record<string, string>>();
  readonly #uploadHeaders = new Map<string, Record<string, string>>();
  #interceptors: Interceptor[] = [];
  #nextUpload = 1;
  readonly #answersToLose = new Map<FakeOp, number>();

  /** The next `count` calls of `op` take effect on the server, but their answer never arrives (status 0). */
  loseAnswers(op: FakeOp, count: number): void {
    this.#answersToLose.set(op, count);
  }

  #answerLost(op: FakeOp): boolean {
    const left = this.#answersToLose.get(op) ?? 0;
    if (left > 0) this.#answersToLose.set(op, left - 1);
    return left > 0;
  }

  intercept(fn: Interceptor): void {
    this.#interceptors.push(fn);
  }

  readonly #entered = new Awaited<FakeCall>();
  readonly #answered = new Awaited<FakeOp>();

  /** Resolves with the `count`-th call of `op` matching `filter` from now, as it reaches the server (before any interceptor). */
  nextCall(op: FakeOp, filter: Partial<FakeCall> = {}, count = 1): Promise<FakeCall> {
    return this.#entered.next((c) => c.op === op && Object.entries(filter).every(([k, v]) => c[k as keyof FakeCall] === v), count);
  }

  /** Resolves once the server has answered (or refused) the next `count` calls of `op`. */
  async answered(op: FakeOp, count = 1): Promise<void> {
    await this.#answered.next((answered) => answered === op, count);
  }

  constructor() {
    // Every route tells `answered` when its answer is settled, whoever replaces it later.
    const routes = [this.control, this.transport, this.objectInfo, this.recordsSource] as unknown as Array<Record<string, (...a: unknown[]) => Promise<unknown>>>;
    const ops: Record<string, FakeOp> = { get: 'objectInfo' };
    for (const route of routes) {
      for (const [name, handle] of Object.entries(route)) {
        if (name === 'signPutUrl') continue;
        const announce = (): void => this.#answered.emit(ops[name] ?? (name as FakeOp));
        route[name] = (...args) => {
          const answer = handle(...args);
          answer.then(announce, announce);
          return answer;
        };
      }
    }
  }

  count(op: FakeOp, filter: Partial<FakeCall> = {}): number {
    return this.calls.filter((c) => c.op === op && Object.entries(filter).every(([k, v]) => c[k as keyof FakeCall] === v)).length;
  }

  partNumbersPut(): number[] {
    return this.calls.filter((c) => c.op === 'put' && c.partNumber !== undefined).map((c) => c.partNumber as number);
  }

  /** A multipart upload as another session left it: parts stored server-side. */
  seedUpload(key: string, parts: Array<{ number: number; size: number; crc64?: string; etag?: string }>): string {
    const uploadId = `up-${this.#nextUpload++}`;
    const stored = new Map<number, StoredPart>();
    for (const p of parts) stored.set(p.number, { etag: p.etag ?? `"E${p.number}-${p.size}"`, size: p.size, crc64: p.crc64 ?? '0' });
    this.uploads.set(uploadId, { key, parts: stored });
    return uploadId;
  }

  async #enter(call: FakeCall): Promise<{ crc64: string | null } | undefined> {
    this.calls.push(call);
    this.#entered.emit(call);
    let override: { crc64: string | null } | undefined;
    for (const fn of this.#interceptors) {
      const result = await fn(call);
      if (result) override = result;
    }
    if (call.signal?.aborted) throw abortError();
    if (this.revoked.has(call.accessKeyId)) {
      throw new EngineError('The security token has expired.', { status: 403, ossCode: 'SecurityTokenExpired', requestId: 'R1' });
    }
    return override;
  }

  #refuseTaken(key: string, headers: Record<string, string> | undefined): void {
    if (headers?.['x-oss-forbid-overwrite'] === 'true' && this.objects.has(key)) {
      throw new EngineError('The object you specified already exists and can not be overwritten.', { status: 409, ossCode: 'FileAlreadyExists' });
    }
  }

  /** The record the app server makes of `key` (one per object), as the callback route or confirm would. */
  #record(key: string, name: string | null): UploadRecord {
    const object = this.objects.get(key)!;
    const known = this.records.get(key);
    if (known && known.etag === object.etag.replace(/"/g, '')) return known;
    const record: UploadRecord = {
      id: `rec-${this.records.size + 1}`,
      key,
      name: name || key.slice(key.lastIndexOf('/') + 1),
      size: object.size,
      crc64: object.crc64,
      etag: object.etag.replace(/"/g, ''),
      mimeType: object.contentType ?? null,
      createdAt: '2026-11-28T10:00:00.000Z',
    };
    this.records.set(key, record);
    return record;
  }

  /** OSS's callback after storing `key`: the record, or 'failed' (203). */
  #callback(key: string, headers: Record<string, string> | undefined): { upload: UploadRecord } | 'failed' | undefined {
    if (headers?.['x-oss-callback'] === undefined) return undefined;
    if (this.callbackOutcome === 'fail') return 'failed';
    const vars = headers['x-oss-callback-var'] ? (JSON.parse(Buffer.from(headers['x-oss-callback-var'], 'base64').toString('utf8')) as Record<string, string>) : {};
    return { upload: this.#record(key, decodeFileName(vars['x:name'] ?? '')) };
  }

  /** The token endpoint's `POST <uploadsUrl>/confirm`. */
  readonly recordsSource: UploadRecordsSource = {
    confirm: async ({ credentials, key, name, signal }) => {
      await this.#enter({ op: 'confirm', key, accessKeyId: credentials.accessKeyId, ...(signal ? { signal } : {}) });
      return this.objects.has(key) ? this.#record(key, name) : undefined;
    },
  };

  #upload(uploadId: string): { key: string; parts: Map<number, StoredPart> } {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new EngineError('The specified upload does not exist.', { status: 404, ossCode: 'NoSuchUpload', requestId: 'R2' });
    return upload;
  }

  readonly control: OssControl = {
    initiate: async ({ credentials, key, headers, signal }) => {
      await this.#enter({ op: 'initiate', key, accessKeyId: credentials.accessKeyId, ...(signal ? { signal } : {}), ...(headers ? { headers } : {}) });
      this.#refuseTaken(key, headers);
      const uploadId = `up-${this.#nextUpload++}`;
      if (headers) this.#uploadHeaders.set(uploadId, headers);
      this.uploads.set(uploadId, { key, parts: new Map() });
      return { uploadId };
    },
    listParts: async ({ credentials, key, uploadId, signal, onPage }) => {
      const listed: ListedPart[] = [];
      // One recorded call per page, as the real control plane makes one request per page.
      for (;;) {
        await this.#enter({ op: 'listParts', key, uploadId, accessKeyId: credentials.accessKeyId, ...(signal ? { signal } : {}) });
        const after = listed.at(-1)?.number ?? 0;
        const rest = [...this.#upload(uploadId).parts.entries()].filter(([number]) => number > after).sort(([a], [b]) => a - b);
        const page = rest.slice(0, this.listPageSize ?? rest.length);
        listed.push(...page.map(([number, p]): ListedPart => ({ number, etag: p.etag, size: p.size, ...(this.listsCrc ? { crc64: p.crc64 } : {}) })));
        const more = rest.length > page.length;
        onPage?.(more);
        if (!more) return listed;
      }
    },
    complete: async ({ credentials, key, uploadId, parts, headers, signal }) => {
      const override = await this.#enter({ op: 'complete', key, uploadId, accessKeyId: credentials.accessKeyId, ...(signal ? { signal } : {}), ...(headers ? { headers } : {}) });
      const upload = this.#upload(uploadId);
      this.#refuseTaken(key, headers);
      let crc = 0;
      let size = 0;
      for (const { number, etag } of parts) {
        const stored = upload.parts.get(number);
        if (!stored || stored.etag !== etag) throw new EngineError('InvalidPart', { status: 400, ossCode: 'InvalidPart' });
        crc += Number(stored.crc64);
        size += stored.size;
      }
      this.uploads.delete(uploadId);
      const etag = `"M-${parts.length}"`;
      this.objects.set(key, { etag, crc64: String(crc), size });
      this.storedHeaders.set(key, this.#uploadHeaders.get(uploadId) ?? {});
      const answer = this.#callback(key, headers);
      if (this.#answerLost('complete')) throw new EngineError('connection reset', { status: 0 });
      if (answer === 'failed') throw new EngineError('Callback failed', { status: 203, ossCode: 'CallbackFailed' });
      return { etag, crc64: override ? override.crc64 : String(crc), ...(answer ? { data: answer } : {}) };
    },
    abort: async ({ credentials, key, uploadId }) => {
      await this.#enter({ op: 'abort', key, uploadId, accessKeyId: credentials.accessKeyId });
      this.#upload(uploadId);
      this.uploads.delete(uploadId);
    },
    signPutUrl: async ({ credentials, key, uploadId, partNumber, contentType, headers }) => {
      const query = new URLSearchParams({ ak: credentials.accessKeyId });
      // Stands for the signature over the x-oss-* headers (V1 CanonicalizedOSSHeaders).
      if (headers) query.set('signed', JSON.stringify(Object.entries(headers).sort()));
      if (uploadId !== undefined) query.set('uploadId', uploadId);
      if (partNumber !== undefined) query.set('partNumber', String(partNumber));
      if (contentType) query.set('type', contentType);
      return `http://oss.test/${encodeURIComponent(key)}?${query}`;
    },
  };

  /** The token endpoint's object-info route, answering from `objects`. */
  readonly objectInfo: ObjectInfoSource = {
    get: async ({ credentials, key, signal }) => {
      await this.#enter({ op: 'objectInfo', key, accessKeyId: credentials.accessKeyId, ...(signal ? { signal } : {}) });
      if (!this.objectInfoOffered) return undefined;
      const object = this.objects.get(key);
      return object ? { exists: true, size: object.size, crc64: object.crc64, etag: object.etag } : { exists: false };
    },
  };

  readonly transport: PartTransport = {
    put: async ({ url, body, contentType, headers, signal, onProgress }) => {
      const parsed = new URL(url);
      const ossHeaders = Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase().startsWith('x-oss-')).sort();
      if ((parsed.searchParams.get('signed') ?? '[]') !== JSON.stringify(ossHeaders)) {
        throw new EngineError('SignatureDoesNotMatch (x-oss-* headers)', { status: 403, ossCode: 'SignatureDoesNotMatch' });
      }
      const key = decodeURIComponent(parsed.pathname.slice(1));
      const uploadId = parsed.searchParams.get('uploadId') ?? undefined;
      const partNumber = parsed.searchParams.has('partNumber') ? Number(parsed.searchParams.get('partNumber')) : undefined;
      if (parsed.searchParams.get('type') !== (contentType ?? null)) throw new EngineError('SignatureDoesNotMatch', { status: 403, ossCode: 'SignatureDoesNotMatch' });
      onProgress(Math.floor(body.size / 2));
      const override = await this.#enter({
        op: 'put',
        key,
        accessKeyId: parsed.searchParams.get('ak') ?? '',
        size: body.size,
        signal,
        ...(uploadId !== undefined ? { uploadId } : {}),
        ...(partNumber !== undefined ? { partNumber } : {}),
        ...(headers ? { headers } : {}),
      });
      if (partNumber === undefined) this.#refuseTaken(key, headers);
      const crc64 = await byteSum(body);
      const etag = await md5Etag(body);
      if (uploadId !== undefined && partNumber !== undefined) this.#upload(uploadId).parts.set(partNumber, { etag, size: body.size, crc64 });
      else {
        this.objects.set(key, { etag, crc64, size: body.size, ...(contentType ? { contentType } : {}) });
        this.storedHeaders.set(key, headers ?? {});
      }
      onProgress(body.size);
      const answer = partNumber === undefined ? this.#callback(key, headers) : undefined;
      const reported = { etag, crc64: override ? override.crc64 : crc64 };
      if (answer === 'failed') return { ...reported, status: 203 };
      return answer ? { ...reported, status: 200, body: JSON.stringify(answer) } : reported;
    },
  };
}

/** Shares credentials like the real source: `invalidate(stale)` drops them only if still current. */
export class FakeCredentials implements CredentialsSource {
  fetches = 0;
  /** Fields added to every set of credentials handed out from now on (callback, uploadsUrl, …). */
  extra: Partial<Credentials> = {};
  readonly invalidated: Credentials[] = [];
  #current: Credentials | undefined;

  async get(signal?: AbortSignal): Promise<Credentials> {
    if (signal?.aborted) throw abortError();
    if (!this.#current) {
      this.fetches++;
      this.#current = { ...fakeCredentials(`STS.key${this.fetches}`), ...this.extra };
    }
    return this.#current;
  }

  invalidate(stale: Credentials): void {
    this.invalidated.push(stale);
    if (this.#current === stale) this.#current = undefined;
  }
}

export function fakeCredentials(accessKeyId: string): Credentials {
  return {
    accessKeyId,
    accessKeySecret: 'secret',
    securityToken: 'token',
    expiration: '2100-01-01T00:00:00Z',
    region: 'oss-cn-hangzhou',
    bucket: 'examplebucket',
    endpoint: 'http://oss.test',
    secure: false,
    prefix: PREFIX,
  };
}

export class FakeHasher implements Crc64Hasher {
  /** `crc64` calls (parts being sent, or checks with verification off). */
  calls = 0;
  /** `digestSpans` calls (checks of runs of reused parts), in order. */
  readonly digests: Array<{ spans: number[]; md5: boolean; background: boolean }> = [];
  /** Lets a test hold or fail a check. */
  beforeDigest: ((blob: Blob, signal?: AbortSignal) => Promise<void>) | undefined;
  async crc64(blob: Blob, signal?: AbortSignal): Promise<string> {
    this.calls++;
    if (signal?.aborted) throw abortError();
    return byteSum(blob);
  }
  async digestSpans(blob: Blob, spans: readonly number[], opts: { md5: boolean; background?: boolean }, signal?: AbortSignal): Promise<BlobDigest[]> {
    this.digests.push({ spans: [...spans], md5: opts.md5, background: opts.background === true });
    await this.beforeDigest?.(blob, signal);
    if (signal?.aborted) throw abortError();
    const digests: BlobDigest[] = [];
    let offset = 0;
    for (const span of spans) {
      const piece = blob.slice(offset, offset + span);
      offset += span;
      const crc64 = await byteSum(piece);
      digests.push(opts.md5 ? { crc64, md5: await md5Hex(piece) } : { crc64 });
    }
    return digests;
  }
  /** Parts checked, each counted once per check. */
  get partsDigested(): number {
    return this.digests.reduce((sum, d) => sum + d.spans.length, 0);
  }
  combine(parts: Array<{ crc64: string; size: number }>): string {
    return String(parts.reduce((sum, p) => sum + Number(p.crc64), 0));
  }
}

export class FakeConnectivity implements Connectivity {
  online = true;
  #gate = new Gate();
  waits = 0;

  isOnline(): boolean {
    return this.online;
  }
  waitForOnline(signal?: AbortSignal): Promise<void> {
    this.waits++;
    if (this.online) return Promise.resolve();
    const waiting = this.#gate.wait(signal);
    this.#offlineWaits.emit();
    return waiting;
  }
  readonly #offlineWaits = new Awaited<void>();

  /** Resolves once something waits for the connection while offline. */
  waitingForOnline(): Promise<void> {
    return this.#offlineWaits.next();
  }
  setOffline(): void {
    this.online = false;
    this.#gate = new Gate();
  }
  setOnline(): void {
    this.online = true;
    this.#gate.open();
  }
}

/** Virtual time: every sleep is recorded and completes at once, moving the clock forward. */
export class FakeClock implements Clock {
  time = 1_800_000_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError();
    this.sleeps.push(ms);
    this.time += ms;
  }
}

/** Virtual time that only moves when the test says so. */
export class ManualClock implements Clock {
  time = 0;
  #timers: Array<{ at: number; resolve: () => void }> = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = { at: this.time + ms, resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(abortError());
      });
    });
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.#timers.filter((t) => t.at <= this.time);
    this.#timers = this.#timers.filter((t) => t.at > this.time);
    for (const t of due) t.resolve();
  }
}

export function persistentMemoryStore(initial: Checkpoint[] = []): CheckpointStore {
  return { ...createMemoryCheckpointStore(initial), persistent: true };
}

export async function fingerprintOf(file: File): Promise<string> {
  return `fp:${file.name}:${file.size}:${await byteSum(file)}`;
}

export interface TestRig {
  uploader: UploadQueue;
  /** Resolves with the next checkpoint written to the store that `match` accepts. */
  nextWrite(match?: (checkpoint: Checkpoint) => boolean): Promise<Checkpoint>;
  oss: FakeOss;
  credentials: FakeCredentials;
  hasher: FakeHasher;
  connectivity: FakeConnectivity;
  clock: FakeClock;
  store: CheckpointStore;
}

/** An uploader wired to fresh fakes; `random: () => 1` makes each retry wait its full scheduled delay. */
export async function createRig(options: Partial<CreateUploaderOptions> & { oss?: FakeOss } = {}): Promise<TestRig> {
  const oss = options.oss ?? new FakeOss();
  const credentials = new FakeCredentials();
  const hasher = new FakeHasher();
  const connectivity = new FakeConnectivity();
  const clock = new FakeClock();
  const store = options.storage ?? persistentMemoryStore();
  const writes = new Awaited<Checkpoint>();
  const put = store.put.bind(store);
  store.put = async (checkpoint) => {
    await put(checkpoint);
    writes.emit(checkpoint);
  };
  const uploader = (await createUploader({
    control: oss.control,
    transport: oss.transport,
    objectInfo: oss.objectInfo,
    records: oss.recordsSource,
    credentials,
    hasher,
    connectivity,
    clock,
    fingerprint: fingerprintOf,
    // Each test that shares a lock between uploaders (two tabs) passes its own.
    locks: null,
    pageEvents: null,
    progressIntervalMs: 0,
    random: () => 1,
    partSize: 100 * KiB,
    ...options,
    storage: store,
  })) as UploadQueue;
  return { uploader, nextWrite: (match) => writes.next(match), oss, credentials, hasher, connectivity, clock, store };
}

/**
 * Lets pending promise callbacks run. Only for checking that nothing more happens (no call, no
 * error): to wait for something, await it (`FakeOss.nextCall`, `answered`, `Gate.reached`, `nextWrite`).
 */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
