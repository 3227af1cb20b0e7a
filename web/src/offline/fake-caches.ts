// A stand-in for the browser's Cache Storage in unit tests: what the
// service worker saved, by address (its Request keys are made from URLs).

export class FakeCache {
  readonly rows = new Map<string, string>();

  put(url: string, body: unknown) {
    this.rows.set(url, typeof body === 'string' ? body : JSON.stringify(body));
  }

  async keys(): Promise<Request[]> {
    return [...this.rows.keys()].map((u) => new Request(u));
  }

  async match(req: RequestInfo | URL): Promise<Response | undefined> {
    const body = this.rows.get(urlOf(req));
    return body === undefined ? undefined : new Response(body, { headers: { 'content-type': 'application/json' } });
  }

  async delete(req: RequestInfo | URL): Promise<boolean> {
    return this.rows.delete(urlOf(req));
  }
}

const urlOf = (req: RequestInfo | URL) => (typeof req === 'string' ? req : req instanceof URL ? req.href : req.url);

export class FakeCaches {
  readonly named = new Map<string, FakeCache>();

  async has(name: string) {
    return this.named.has(name);
  }

  async open(name: string) {
    let c = this.named.get(name);
    if (!c) this.named.set(name, (c = new FakeCache()));
    return c;
  }

  async keys() {
    return [...this.named.keys()];
  }

  async delete(name: string) {
    return this.named.delete(name);
  }

  /** As CacheStorage, for the code under test. */
  get storage(): CacheStorage {
    return this as unknown as CacheStorage;
  }
}
