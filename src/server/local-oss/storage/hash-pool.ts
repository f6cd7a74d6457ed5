import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** What every received body owes its ETag and its `x-oss-hash-crc64ecma` header. */
export interface BodyDigests {
  md5: Buffer;
  /** CRC-64/XZ, 16 lower-case hex digits. */
  crc64Hex: string;
}

/** Messages to hash-worker.mjs. */
type ToWorker =
  | { type: 'open'; id: number }
  | { type: 'data'; id: number; buffer: ArrayBuffer; length: number }
  | { type: 'end'; id: number }
  | { type: 'drop'; id: number };

/** Messages from hash-worker.mjs. */
type FromWorker =
  | { type: 'ack'; id: number; buffer: ArrayBuffer }
  | { type: 'done'; id: number; md5: ArrayBuffer; crc64Hex: string }
  | { type: 'error'; id: number; message: string };

/** Bytes are posted in batches this large: one message per MiB instead of one per socket read. */
const BATCH_BYTES = 1024 * 1024;
/** Batches a session may have queued in its worker before `update` asks the caller to wait. */
const BATCHES_IN_FLIGHT = 4;
/** Spare batches a worker keeps for the next bodies; more come back only under many parallel bodies. */
const SPARE_BATCHES = 16;
/** How long `close` waits for digests already asked for. */
const CLOSE_GRACE_MS = 1000;

const WORKER_URL = new URL('./hash-worker.mjs', import.meta.url);

export interface HashPoolOptions {
  /** Worker threads; default: one per core beyond the first, at least one, at most four. */
  threads?: number;
  /** Tests point this at a worker that misbehaves. */
  workerUrl?: URL;
}

/**
 * Hashes request bodies (MD5 + CRC-64) in worker threads. Measured on two cores, hashing in a
 * worker while the main thread moves bytes from socket to disk lifts a 1 GiB PUT by about a third
 * over hashing inline, because MD5 (~800 MiB/s) was the main thread's largest cost.
 *
 * Workers start on first use and hold the process open only while a session is open.
 */
export class HashPool {
  readonly #threads: number;
  readonly #workerUrl: URL;
  readonly #workers: PoolWorker[] = [];
  /** Digests asked for and not yet answered: `close` lets them finish. */
  readonly #ending = new Set<Promise<unknown>>();
  #nextId = 1;
  #closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.#threads = Math.max(1, options.threads ?? Math.min(4, availableParallelism() - 1));
    this.#workerUrl = options.workerUrl ?? WORKER_URL;
  }

  /** A new hashing session on the least busy worker. */
  open(): HashSession {
    if (this.#closed) throw new Error('the hash pool is closed');
    const worker = this.#leastBusy();
    return new HashSession(worker, this.#nextId++, (ending) => {
      this.#ending.add(ending);
      void ending.finally(() => this.#ending.delete(ending)).catch(() => undefined);
    });
  }

  /**
   * Stops the workers. Digests already asked for finish first (a body received whole just as the
   * server shuts down still gets its answer), for at most a second; sessions still receiving fail.
   */
  async close(): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#ending]), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    await Promise.all(this.#workers.splice(0).map((worker) => worker.terminate()));
  }

  #leastBusy(): PoolWorker {
    const live = this.#workers.filter((worker) => !worker.dead);
    this.#workers.splice(0, this.#workers.length, ...live);
    if (live.length < this.#threads) {
      const worker = new PoolWorker(this.#workerUrl);
      this.#workers.push(worker);
      return worker;
    }
    return live.reduce((best, worker) => (worker.sessions < best.sessions ? worker : best));
  }
}

interface SessionListener {
  onAck(): void;
  onDone(digests: BodyDigests): void;
  onError(error: Error): void;
}

/** One worker thread and the sessions it serves; dead for good once it exits. */
class PoolWorker {
  readonly #worker: Worker;
  readonly #listeners = new Map<number, SessionListener>();
  /** Batches the worker handed back, shared by its sessions: a small body costs no fresh MiB. */
  readonly #spare: Uint8Array<ArrayBuffer>[] = [];
  dead = false;

  constructor(url: URL) {
    // No inherited flags: the worker is plain JavaScript, and some host flags (`--input-type`) make
    // a worker fail to start.
    this.#worker = new Worker(url, { execArgv: [] });
    this.#worker.unref();
    this.#worker.on('message', (message: FromWorker) => this.#receive(message));
    this.#worker.on('error', (error) => this.#die(error));
    this.#worker.on('exit', (code) => this.#die(new Error(`the hashing worker exited (code ${code})`)));
  }

  get sessions(): number {
    return this.#listeners.size;
  }

  attach(id: number, listener: SessionListener): void {
    // Only a worker with open sessions keeps the process alive (a pending digest must arrive).
    if (this.#listeners.size === 0) this.#worker.ref();
    this.#listeners.set(id, listener);
    this.post({ type: 'open', id });
  }

  detach(id: number): void {
    if (!this.#listeners.delete(id)) return;
    if (this.#listeners.size === 0) this.#worker.unref();
  }

  takeBatch(): Uint8Array<ArrayBuffer> {
    return this.#spare.pop() ?? new Uint8Array(BATCH_BYTES);
  }

  giveBack(batch: Uint8Array<ArrayBuffer>): void {
    if (this.#spare.length < SPARE_BATCHES) this.#spare.push(batch);
  }

  post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    if (this.dead) return;
    this.#worker.postMessage(message, transfer);
  }

  async terminate(): Promise<void> {
    this.#die(new Error('the hash pool was closed'));
    await this.#worker.terminate();
  }

  #receive(message: FromWorker): void {
    if (message.type === 'ack') this.giveBack(new Uint8Array(message.buffer));
    const listener = this.#listeners.get(message.id);
    if (!listener) return; // a dropped session's late acknowledgement
    if (message.type === 'ack') listener.onAck();
    else if (message.type === 'done') listener.onDone({ md5: Buffer.from(message.md5), crc64Hex: message.crc64Hex });
    else listener.onError(new Error(`hashing failed: ${message.message}`));
  }

  #die(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    const listeners = [...this.#listeners.values()];
    this.#listeners.clear();
    for (const listener of listeners) listener.onError(error);
  }
}

/**
 * The hashing of one body. `update` copies the bytes into a batch (the caller keeps its buffer, for
 * the disk) and returns a promise only when the worker has fallen behind, so memory per body stays
 * at a few batches however fast the socket is.
 */
export class HashSession {
  readonly #worker: PoolWorker;
  readonly #id: number;
  /** Taken from the worker's spares on the first byte, so an empty body takes none. */
  #batch: Uint8Array<ArrayBuffer> | undefined;
  #filled = 0;
  #inFlight = 0;
  /** Writers waiting for the worker to catch up. */
  #waiting: (() => void)[] = [];
  #result: Promise<BodyDigests>;
  #settle!: { resolve: (digests: BodyDigests) => void; reject: (error: Error) => void };
  #failure: Error | undefined;
  #ended = false;
  readonly #onEnding: (digest: Promise<BodyDigests>) => void;

  constructor(worker: PoolWorker, id: number, onEnding: (digest: Promise<BodyDigests>) => void) {
    this.#worker = worker;
    this.#id = id;
    this.#onEnding = onEnding;
    this.#result = new Promise<BodyDigests>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // The digest may fail before anyone awaits it (a worker crash mid-body); update() reports that.
    this.#result.catch(() => undefined);
    worker.attach(id, {
      onAck: () => {
        this.#inFlight--;
        this.#wake();
      },
      onDone: (digests) => {
        worker.detach(id);
        this.#settle.resolve(digests);
      },
      onError: (error) => {
        worker.detach(id);
        this.#failure = error;
        this.#settle.reject(error);
        this.#wake();
      },
    });
  }

  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    for (let offset = 0; offset < chunk.length; ) {
      this.#batch ??= this.#worker.takeBatch();
      const taken = Math.min(BATCH_BYTES - this.#filled, chunk.length - offset);
      this.#batch.set(chunk.subarray(offset, offset + taken), this.#filled);
      this.#filled += taken;
      offset += taken;
      if (this.#filled === BATCH_BYTES) this.#sendBatch();
    }
    if (this.#inFlight < BATCHES_IN_FLIGHT) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push(() => (this.#failure ? reject(this.#failure) : resolve()));
    });
  }

  /** The digests of everything passed to `update`. */
  digest(): Promise<BodyDigests> {
    if (!this.#ended && !this.#failure) {
      this.#ended = true;
      if (this.#filled > 0) this.#sendBatch();
      this.#worker.post({ type: 'end', id: this.#id });
      this.#onEnding(this.#result);
    }
    return this.#result;
  }

  /** Forgets the session (the body was abandoned); the worker drops its state. */
  abandon(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#batch) this.#worker.giveBack(this.#batch);
    this.#batch = undefined;
    this.#worker.post({ type: 'drop', id: this.#id });
    this.#worker.detach(this.#id);
  }

  #sendBatch(): void {
    const batch = this.#batch!;
    // The batch is transferred, not copied, and comes back to the worker's spares with the acknowledgement.
    this.#worker.post({ type: 'data', id: this.#id, buffer: batch.buffer, length: this.#filled }, [batch.buffer]);
    this.#inFlight++;
    this.#batch = undefined;
    this.#filled = 0;
  }

  #wake(): void {
    if (this.#inFlight < BATCHES_IN_FLIGHT || this.#failure) {
      for (const resume of this.#waiting.splice(0)) resume();
    }
  }
}
