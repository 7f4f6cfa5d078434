import { GitHubResponseCache } from './GitHubResponseCache';

describe('GitHubResponseCache', () => {
  it('serves fresh entries, revalidates stale ones and keeps only those with an ETag', async () => {
    let clock = 0;
    const cache = new GitHubResponseCache({ ttlMs: 1000, now: () => clock });
    const load = jest.fn(async (stale?: { data: unknown }) => ({
      data: stale ? 'revalidated' : 'first',
      headers: {},
      etag: 'W/"1"',
      storedAt: 0,
    }));
    expect((await cache.get('k', load)).data).toBe('first');
    expect((await cache.get('k', load)).data).toBe('first');
    expect(load).toHaveBeenCalledTimes(1);
    clock = 1000;
    expect((await cache.get('k', load)).data).toBe('revalidated');
    expect(load).toHaveBeenLastCalledWith(
      expect.objectContaining({ data: 'first' }),
    );

    const noEtag = jest.fn(async () => ({ data: 1, headers: {}, storedAt: 0 }));
    await cache.get('n', noEtag);
    await cache.get('n', noEtag);
    expect(noEtag).toHaveBeenCalledTimes(2);
  });

  it('shares a load in flight, and forgets it when it fails', async () => {
    const cache = new GitHubResponseCache({ ttlMs: 0 });
    let fail = true;
    const load = jest.fn(async () => {
      if (fail) throw new Error('boom');
      return { data: 'ok', headers: {}, etag: 'e', storedAt: 0 };
    });
    const both = [cache.get('k', load), cache.get('k', load)];
    await expect(Promise.all(both)).rejects.toThrow('boom');
    expect(load).toHaveBeenCalledTimes(1);
    fail = false;
    expect((await cache.get('k', load)).data).toBe('ok');
  });

  it('lists the fresh entries under a prefix, without loading anything', async () => {
    let clock = 0;
    const cache = new GitHubResponseCache({ ttlMs: 1000, now: () => clock });
    const load = (data: string) => async () => ({
      data,
      headers: {},
      etag: 'e',
      storedAt: 0,
    });
    await cache.get('k /runs?page=1', load('old'));
    clock = 600;
    await cache.get('k /runs?page=2', load('new'));
    await cache.get('k /pulls', load('other'));
    await cache.get('j /runs?page=1', load('other credential'));
    expect(
      cache.freshEntries('k /runs?').map(([key, entry]) => [key, entry.data]),
    ).toEqual([
      ['k /runs?page=1', 'old'],
      ['k /runs?page=2', 'new'],
    ]);
    clock = 1000;
    expect(cache.freshEntries('k /runs?').map(([key]) => key)).toEqual([
      'k /runs?page=2',
    ]);
  });

  it('evicts the oldest entries beyond its size and invalidates by prefix', async () => {
    const cache = new GitHubResponseCache({ ttlMs: 60_000, maxEntries: 2 });
    const load = async () => ({ data: 1, headers: {}, etag: 'e', storedAt: 0 });
    await cache.get('a 1', load);
    await cache.get('a 2', load);
    await cache.get('b 1', load);
    expect(cache.size).toBe(2);
    cache.invalidate('a ');
    expect(cache.size).toBe(1);
  });

  it('keeps about maxBytes of answers, the least recently stored going first', async () => {
    let clock = 0;
    const cache = new GitHubResponseCache({
      ttlMs: 1000,
      maxBytes: 10_000,
      now: () => clock,
    });
    // 2 bytes per character of the JSON, plus 256 per entry: about 4,256 each
    const load = async () => ({
      data: 'x'.repeat(1998),
      headers: {},
      etag: 'e',
      storedAt: 0,
    });
    await cache.get('a', load);
    await cache.get('b', load);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(2 * (2000 * 2 + 256));
    await cache.get('c', load);
    expect(cache.size).toBe(2);
    expect(cache.freshEntries('').map(([key]) => key)).toEqual(['b', 'c']);
    // Re-storing a stale entry does not count it twice
    clock = 5000;
    await cache.get('c', async () => ({ ...(await load()), etag: 'f' }));
    expect(cache.bytes).toBe(2 * (2000 * 2 + 256));
    cache.invalidate('b');
    expect(cache.bytes).toBe(2000 * 2 + 256);
    // An answer larger than the whole cache is served but not kept
    const huge = await cache.get('huge', async () => ({
      data: 'y'.repeat(6000),
      headers: {},
      etag: 'e',
      storedAt: 0,
    }));
    expect(huge.data).toHaveLength(6000);
    expect(cache.freshEntries('').map(([key]) => key)).toEqual(['c']);
  });
});
