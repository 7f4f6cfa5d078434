/**
 * Pages of run lists, kept for a short time and dropped the moment this replica changes what a
 * list shows (the store calls {@link RunListCache.invalidate} before and after each such write,
 * so a read that overlaps a write is never kept). A change made by another replica shows after
 * at most `ttlMs`. Concurrent requests for the same page share one read. A busy entity's list
 * is asked for over and over by people and pollers while its runs change far less often, and a
 * page costs three queries; the cache makes the repeats free.
 */
export class RunListCache<T> {
  private generation = 0;
  private readonly entries = new Map<
    string,
    { generation: number; expiresAt: number; value: Promise<T> }
  >();

  constructor(
    private readonly options: {
      ttlMs: number;
      maxEntries?: number;
      now?: () => number;
    },
  ) {}

  invalidate() {
    this.generation++;
    this.entries.clear();
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    if (this.options.ttlMs <= 0) return load();
    const now = (this.options.now ?? Date.now)();
    const hit = this.entries.get(key);
    if (hit && hit.generation === this.generation && hit.expiresAt > now) {
      return hit.value;
    }
    const entry = {
      generation: this.generation,
      expiresAt: now + this.options.ttlMs,
      value: load(),
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    const max = this.options.maxEntries ?? 1000;
    while (this.entries.size > max) {
      // Maps keep insertion order: the first key is the oldest
      this.entries.delete(this.entries.keys().next().value!);
    }
    return entry.value;
  }
}
