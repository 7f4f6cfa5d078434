/** A GET answer kept for conditional requests. */
export type CachedResponse = {
  data: unknown;
  headers: Record<string, string | number | undefined>;
  etag?: string;
  storedAt: number;
};

/** The size an entry is counted at: its JSON's length (a UTF-16 string's bytes, about). */
function sizeOf(entry: CachedResponse): number {
  return (JSON.stringify(entry.data) ?? '').length * 2 + 256;
}

/**
 * GET answers keyed by credential (a hash, never the secret) and URL, and the requests in
 * flight, so identical concurrent GETs share one request. An entry younger than the TTL is
 * served as is; an older one is revalidated with `If-None-Match` (a 304 keeps it). It holds
 * at most `maxEntries` answers and about `maxBytes` of them (default 5,000 and 64 MiB), the
 * least recently stored going first; an answer larger than `maxBytes` alone is not kept.
 */
export class GitHubResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly sizes = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<CachedResponse>>();
  private totalBytes = 0;

  constructor(
    private readonly options: {
      ttlMs: number;
      maxEntries?: number;
      maxBytes?: number;
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

  /**
   * The fresh entries (younger than the TTL) whose key starts with `prefix`, newest last, for
   * an answer another answer already holds. Nothing is loaded or revalidated.
   */
  freshEntries(prefix: string): Array<[string, CachedResponse]> {
    const now = this.now();
    return [...this.entries].filter(
      ([key, entry]) =>
        key.startsWith(prefix) && now - entry.storedAt < this.options.ttlMs,
    );
  }

  private set(key: string, entry: CachedResponse) {
    // Map keeps insertion order: re-inserting makes the entry the newest
    this.remove(key);
    const size = sizeOf(entry);
    const maxBytes = this.options.maxBytes ?? 64 * 1024 * 1024;
    if (size > maxBytes) return;
    this.entries.set(key, entry);
    this.sizes.set(key, size);
    this.totalBytes += size;
    const max = this.options.maxEntries ?? 5000;
    while (this.entries.size > max || this.totalBytes > maxBytes) {
      this.remove(this.entries.keys().next().value!);
    }
  }

  private remove(key: string) {
    this.totalBytes -= this.sizes.get(key) ?? 0;
    this.sizes.delete(key);
    this.entries.delete(key);
  }

  /** Forgets every entry whose key starts with `prefix` (after a write to that repository). */
  invalidate(prefix: string) {
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix)) this.remove(key);
    }
  }

  get size() {
    return this.entries.size;
  }

  /** About how many bytes the entries take (their JSON's size). */
  get bytes() {
    return this.totalBytes;
  }
}
