import { PipelineFileCache, folderOf } from './PipelineFileCache';

const files = (entries: Record<string, string>, folders: string[] = []) => ({
  files: new Map(
    Object.entries(entries).map(([p, text]) => [
      p,
      { kind: 'file' as const, text },
    ]),
  ),
  listedFolders: new Set(folders),
});

describe('PipelineFileCache', () => {
  it('answers for files read and for missing files of listed folders only', () => {
    const cache = new PipelineFileCache({ maxCommits: 2, maxBytes: 100 });
    cache.put('r', 'c1', files({ '.comet/a.yaml': 'a' }, ['.comet']));
    expect(cache.get('r', 'c1', '.comet/a.yaml')).toEqual({
      kind: 'file',
      text: 'a',
    });
    expect(cache.get('r', 'c1', '.comet/b.yaml')).toEqual({ kind: 'missing' });
    expect(cache.get('r', 'c1', 'ci/x.yaml')).toBeUndefined();
    expect(cache.get('r', 'c2', '.comet/a.yaml')).toBeUndefined();
    expect(cache.get('other', 'c1', '.comet/a.yaml')).toBeUndefined();
    expect(cache.hasRepository('r')).toBe(true);
    expect(cache.hasRepository('other')).toBe(false);
  });

  it('does not call an unread file missing, and a later read replaces it', () => {
    const cache = new PipelineFileCache({ maxCommits: 2, maxBytes: 100 });
    cache.put('r', 'c1', {
      files: new Map([['.comet/n.txt', { kind: 'unread' as const }]]),
      listedFolders: new Set(['.comet']),
    });
    expect(cache.get('r', 'c1', '.comet/n.txt')).toBeUndefined();
    cache.put('r', 'c1', files({ '.comet/n.txt': 'n' }));
    cache.put('r', 'c1', {
      files: new Map([['.comet/n.txt', { kind: 'unread' as const }]]),
      listedFolders: new Set(),
    });
    expect(cache.get('r', 'c1', '.comet/n.txt')).toEqual({
      kind: 'file',
      text: 'n',
    });
  });

  it('drops the least recently used commit past maxCommits', () => {
    const cache = new PipelineFileCache({ maxCommits: 2, maxBytes: 100 });
    cache.put('r', 'c1', files({ a: '1' }));
    cache.put('r', 'c2', files({ a: '2' }));
    expect(cache.get('r', 'c1', 'a')).toBeDefined(); // c1 is now the most recent
    cache.put('r', 'c3', files({ a: '3' }));
    expect(cache.size).toBe(2);
    expect(cache.get('r', 'c2', 'a')).toBeUndefined();
    expect(cache.get('r', 'c1', 'a')).toBeDefined();
    expect(cache.get('r', 'c3', 'a')).toBeDefined();
  });

  it('keeps at most maxBytes of text, and never a commit larger than that', () => {
    const cache = new PipelineFileCache({ maxCommits: 10, maxBytes: 10 });
    cache.put('r', 'c1', files({ a: '123456' }));
    cache.put('r', 'c2', files({ a: '1234' }));
    expect(cache.bytes).toBe(10);
    cache.put('r', 'c3', files({ a: '12' }));
    expect(cache.get('r', 'c1', 'a')).toBeUndefined();
    expect(cache.bytes).toBe(6);
    cache.put('r', 'big', files({ a: 'x'.repeat(11) }));
    expect(cache.get('r', 'big', 'a')).toBeUndefined();
    expect(cache.bytes).toBe(6);
  });

  it('lists a folder only when it was listed completely, and keeps a listed commit longest', () => {
    const cache = new PipelineFileCache({ maxCommits: 2, maxBytes: 100 });
    cache.put('r', 'c1', {
      files: new Map([
        ['.comet/a.yaml', { kind: 'file' as const, text: 'a' }],
        ['.comet/n.txt', { kind: 'unread' as const }],
        ['.comet/sub', { kind: 'folder' as const }],
        ['ci/x.yaml', { kind: 'file' as const, text: 'x' }],
      ]),
      listedFolders: new Set(['.comet']),
    });
    expect(cache.listing('r', 'c1', '.comet')).toEqual(
      new Map<string, unknown>([
        ['.comet/a.yaml', { kind: 'file', text: 'a' }],
        ['.comet/n.txt', { kind: 'unread' }],
        ['.comet/sub', { kind: 'folder' }],
      ]),
    );
    // ci/ was not listed: one file of it read is not all of it
    expect(cache.listing('r', 'c1', 'ci')).toBeUndefined();
    expect(cache.listing('r', 'c2', '.comet')).toBeUndefined();
    // A listed folder with nothing in it is an empty listing, not an unknown one
    cache.put('r', 'c2', files({}, ['empty']));
    expect(cache.listing('r', 'c2', 'empty')).toEqual(new Map());
    // Listing c1 made it the most recently used: c2 goes first
    cache.listing('r', 'c1', '.comet');
    cache.put('r', 'c3', files({ b: 'b' }));
    expect(cache.listing('r', 'c1', '.comet')?.size).toBe(3);
    expect(cache.listing('r', 'c2', 'empty')).toBeUndefined();
  });

  it('keeps nothing with maxCommits 0', () => {
    const cache = new PipelineFileCache({ maxCommits: 0, maxBytes: 10 });
    cache.put('r', 'c1', files({ a: '1' }));
    expect(cache.size).toBe(0);
  });

  it('names the folder of a path', () => {
    expect(folderOf('.comet/a.yaml')).toBe('.comet');
    expect(folderOf('a/b/c.yaml')).toBe('a/b');
    expect(folderOf('a.yaml')).toBe('');
  });
});
