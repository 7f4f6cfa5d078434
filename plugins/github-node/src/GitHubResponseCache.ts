/** A GET answer kept for conditional requests. */
export type CachedResponse = {
  data: unknown;
  headers: Record<string, string | number | undefined>;
  etag?: string;
  storedAt: number;
};

/**
 * GET answers keyed by credential (a hash, never the secret) and URL, and the requests in
 * flight, so identical concurrent GETs share one request. An entry younger than the TTL is
 * served as is; an older one is revalidated with `If-None-Match` (a 304 keeps it).
 */
export class GitHubResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly inFlight = new Map<string, Promise<CachedResponse>>();

  constructor(
    private readonly options: {
      ttlMs: number;
      maxEntries?: number;
      now?: () => number;
    },
  ) {}

  private now() {
    return (this.options.now ?? Date.now)();
  }

  /**
   * The answer for `key`: fresh from the cache, shared with an identical request in flight, or
   * from `load`, which gets the cached entry to revalidate (and returns it again on a 304).
   */
  async get(
    key: string,
    load: (stale: CachedResponse | undefined) => Promise<CachedResponse>,
  ): Promise<CachedResponse> {
    const cached = this.entries.get(key);
    if (cached && this.now() - cached.storedAt < this.options.ttlMs) {
      return cached;
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const promise = load(cached)
      .then(response => {
        const stored = { ...response, storedAt: this.now() };
        if (stored.etag) this.set(key, stored);
        return stored;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private set(key: string, entry: CachedResponse) {
    // Map keeps insertion order: re-inserting makes the entry the newest
    this.entries.delete(key);
    this.entries.set(key, entry);
    const max = this.options.maxEntries ?? 5000;
    while (this.entries.size > max) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  /** Forgets every entry whose key starts with `prefix` (after a write to that repository). */
  invalidate(prefix: string) {
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix)) this.entries.delete(key);
    }
  }

  get size() {
    return this.entries.size;
  }
}
