import { RunListCache } from './RunListCache';

describe('RunListCache', () => {
  it('serves a page again within its time, and reads again after', async () => {
    let now = 1_000;
    const cache = new RunListCache<number>({ ttlMs: 1000, now: () => now });
    let reads = 0;
    const load = async () => ++reads;
    expect(await cache.get('a', load)).toBe(1);
    now += 999;
    expect(await cache.get('a', load)).toBe(1);
    now += 1;
    expect(await cache.get('a', load)).toBe(2);
    expect(await cache.get('b', load)).toBe(3);
  });

  it('shares one read between concurrent requests for the same page', async () => {
    const cache = new RunListCache<string>({ ttlMs: 1000 });
    let reads = 0;
    let release!: () => void;
    const load = () =>
      new Promise<string>(resolve => {
        reads++;
        release = () => resolve('page');
      });
    const both = Promise.all([cache.get('a', load), cache.get('a', load)]);
    release();
    expect(await both).toEqual(['page', 'page']);
    expect(reads).toBe(1);
  });

  it('never keeps a page read while a write was under way', async () => {
    const cache = new RunListCache<string>({ ttlMs: 60_000 });
    let release!: (value: string) => void;
    const slow = cache.get(
      'a',
      () => new Promise<string>(resolve => (release = resolve)),
    );
    cache.invalidate(); // a write lands while the read is running
    release('before the write');
    expect(await slow).toBe('before the write');
    expect(await cache.get('a', async () => 'after the write')).toBe(
      'after the write',
    );
  });

  it('forgets a failed read, and reads every time with a time of 0', async () => {
    const cache = new RunListCache<string>({ ttlMs: 1000 });
    await expect(
      cache.get('a', async () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    expect(await cache.get('a', async () => 'back')).toBe('back');

    const off = new RunListCache<number>({ ttlMs: 0 });
    let reads = 0;
    await off.get('a', async () => ++reads);
    await off.get('a', async () => ++reads);
    expect(reads).toBe(2);
  });

  it('keeps at most maxEntries pages, dropping the oldest', async () => {
    const cache = new RunListCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    expect(await cache.get('c', async () => 'c2')).toBe('c1');
  });
});
