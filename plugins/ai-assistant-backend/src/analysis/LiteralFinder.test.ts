import { LiteralFinder } from './LiteralFinder';

const occurrences = (
  finder: LiteralFinder,
  text: string,
  literals: string[],
) => {
  const found: string[] = [];
  finder.scan(text, 0, text.length, (lastIndex, id) => {
    found.push(`${literals[id]}@${lastIndex - literals[id].length + 1}`);
  });
  return found;
};

describe('LiteralFinder', () => {
  it('finds every occurrence of every literal, overlapping and nested ones too', () => {
    const literals = ['npm error', 'error', 'rror c', 'code E', 'ERESOLVE'];
    const finder = LiteralFinder.create(literals);
    expect(
      occurrences(finder, 'npm error code ERESOLVE; error', literals),
    ).toEqual([
      'npm error@0',
      'error@4',
      'rror c@5',
      'code E@10',
      'ERESOLVE@15',
      'error@25',
    ]);
  });

  it('matches case-sensitively unless told otherwise', () => {
    const literals = ['heap out of memory', 'ß'];
    expect(
      occurrences(
        LiteralFinder.create(literals),
        'Heap Out Of Memory',
        literals,
      ),
    ).toEqual([]);
    expect(
      occurrences(
        LiteralFinder.create(literals, { ignoreCase: true }),
        'HEAP OUT OF MEMORY, heap Out of memory',
        literals,
      ),
    ).toEqual(['heap out of memory@0', 'heap out of memory@20']);
  });

  it('handles characters outside ASCII and text no literal uses', () => {
    const literals = ['● Test suite failed', '✖ ', '›'];
    const finder = LiteralFinder.create(literals);
    expect(
      occurrences(
        finder,
        '  ● Test suite failed to run ✖ 3 problems a › b',
        literals,
      ),
    ).toEqual(['● Test suite failed@2', '✖ @29', '›@44']);
  });

  it('scans only the range it is given, and stops when told', () => {
    const literals = ['FAIL'];
    const finder = LiteralFinder.create(literals);
    const text = 'FAIL a\nFAIL b\nFAIL c';
    const seen: number[] = [];
    finder.scan(text, 5, text.length, lastIndex => {
      seen.push(lastIndex);
      return seen.length < 1;
    });
    expect(seen).toEqual([10]);
  });

  it('finds nothing without literals', () => {
    const finder = LiteralFinder.create([]);
    expect(occurrences(finder, 'anything', [])).toEqual([]);
  });
});
