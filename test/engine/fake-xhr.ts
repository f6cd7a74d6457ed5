/**
 * A scripted stand-in for XMLHttpRequest: the test sees what was sent and decides what happens
 * (progress, response, network error), in the order real XHR fires its events.
 */
export class FakeXhr {
  method = '';
  url = '';
  requestHeaders: Record<string, string> = {};
  body: Blob | undefined;
  aborted = false;
  status = 0;
  responseText = '';
  private responseHeaders: Record<string, string> = {};

  upload: { onprogress: ((event: { loaded: number }) => void) | null } = { onprogress: null };
  onprogress: (() => void) | null = null;
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.requestHeaders[name] = value;
  }
  send(body: Blob): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }
  getResponseHeader(name: string): string | null {
    const found = Object.entries(this.responseHeaders).find(([k]) => k.toLowerCase() === name.toLowerCase());
    return found ? found[1] : null;
  }

  progress(loaded: number): void {
    this.upload.onprogress?.({ loaded });
  }
  respond(status: number, headers: Record<string, string> = {}, body = ''): void {
    this.status = status;
    this.responseHeaders = headers;
    this.responseText = body;
    this.onload?.();
  }
  failNetwork(): void {
    this.onerror?.();
  }
}

/** A factory handing out FakeXhr instances and remembering them. */
export function fakeXhrFactory(): { create: () => XMLHttpRequest; last: () => FakeXhr } {
  const made: FakeXhr[] = [];
  return {
    create: () => {
      const xhr = new FakeXhr();
      made.push(xhr);
      return xhr as unknown as XMLHttpRequest;
    },
    last: () => {
      const xhr = made.at(-1);
      if (!xhr) throw new Error('no request was made');
      return xhr;
    },
  };
}
