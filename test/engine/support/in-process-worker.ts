import { digestSpans } from '../../../src/engine/integrity/crc64-blob';
import type { Crc64Request, Crc64Response } from '../../../src/engine/integrity/crc64-messages';

/** Stands in for the bundled hashing worker: runs each job in-process, asynchronously, as a real worker would. */
export class InProcessWorker {
  onmessage: ((event: MessageEvent<Crc64Response>) => void) | null = null;
  onerror: ((event: { preventDefault(): void }) => void) | null = null;
  received: Crc64Request[] = [];
  terminated = false;

  postMessage(request: Crc64Request): void {
    this.received.push(request);
    if ('cancel' in request) return;
    void digestSpans(request.blob, request.spans, { md5: request.md5 === true }).then((digests) =>
      this.onmessage?.({ data: { id: request.id, digests } } as MessageEvent<Crc64Response>),
    );
  }
  terminate(): void {
    this.terminated = true;
  }
}
