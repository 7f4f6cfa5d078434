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
});
