// A scripted XMLHttpRequest for tests of uploads with progress: each
// request is answered by `respond` after its body "went out" in `steps`
// progress events.
export interface FakeAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export class FakeXhr {
  static sent: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  statusText = '';
  responseText = '';
  private answerHeaders: Record<string, string> = {};
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  onabort: (() => void) | null = null;

  constructor(private respond: (x: FakeXhr) => FakeAnswer | 'network-error', private steps = 3) {}

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k.toLowerCase()] = v;
  }
  getAllResponseHeaders() {
    return Object.entries(this.answerHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  }
  abort() {
    this.onabort?.();
  }
  send(body: unknown) {
    this.body = body;
    FakeXhr.sent.push(this);
    const total = body instanceof Blob ? body.size : typeof body === 'string' ? body.length : 0;
    void (async () => {
      for (let i = 1; i <= this.steps; i++) {
        await Promise.resolve();
        this.upload.onprogress?.({ loaded: Math.round((total * i) / this.steps), total, lengthComputable: true });
      }
      await Promise.resolve();
      const a = this.respond(this);
      if (a === 'network-error') {
        this.onerror?.();
        return;
      }
      this.status = a.status;
      this.responseText = a.body ?? '';
      this.answerHeaders = a.headers ?? {};
      this.onload?.();
    })();
  }
}
