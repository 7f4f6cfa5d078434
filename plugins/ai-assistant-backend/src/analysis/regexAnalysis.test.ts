import { analyseRegex } from './regexAnalysis';

const single = { multiLine: false, ignoreCase: false };
const multi = { multiLine: true, ignoreCase: false };

describe('analyseRegex', () => {
  it.each([
    [
      '^(\\w+\\s?)+$',
      '"(\\w+\\s?)+" repeats a group that itself repeats "\\w+"',
    ],
    ['(a*)*b', '"(a*)*" repeats a group that itself repeats "a*"'],
    [
      '(?:x(?:ab|c+))+',
      '"(?:x(?:ab|c+))+" repeats a group that itself repeats "c+"',
    ],
    ['(?<n>\\d+,){2,}', 'repeats a group that itself repeats "\\d+"'],
  ])('refuses the nested quantifier in %s', (source, expected) => {
    const { problem } = analyseRegex(source, single);
    expect(problem).toContain('nested quantifier');
    expect(problem).toContain(expected);
  });

  it.each([
    '(\\d+\\.){3}\\d+',
    '(?:ab?)+c',
    '(?=\\w+)x+',
    'npm (?:ERR!|error) code ERESOLVE',
    '\\b(?:a|b)+\\b',
  ])('accepts %s', source => {
    expect(analyseRegex(source, single).problem).toBeUndefined();
  });

  it.each([
    [
      '(a|ab)*c',
      '"(a|ab)*" repeats alternatives that can start with the same character ("a" and "ab")',
    ],
    ['(?:\\d|\\w)+x', '("\\d" and "\\w")'],
    ['(?:\\s|\\n)*x', '("\\s" and "\\n")'],
    ['(?:[ab]|c)+', '("[ab]" and "c")'],
    ['(?:x(?:y|y))*z', '("y" and "y")'],
    ['(?:a|b?)+c', 'an alternative that can match nothing ("b?")'],
  ])('refuses the ambiguous repeated alternation in %s', (source, expected) => {
    const { problem } = analyseRegex(source, single);
    expect(problem).toContain(expected);
    expect(problem).toContain('exponential time');
  });

  it('accepts repeated alternations whose alternatives start differently', () => {
    for (const source of [
      '(?:foo|bar)+',
      '(?:\\d|,)+',
      '(?:\\w|-)+',
      '(?:A|a)+',
      '(?:\\s|x)+',
      '(?:(?=a)a|b)+',
    ]) {
      expect(analyseRegex(source, single).problem).toBeUndefined();
    }
    expect(
      analyseRegex('(?:A|a)+', { multiLine: false, ignoreCase: true }).problem,
    ).toContain('("A" and "a")');
  });

  it('refuses, in multi-line patterns, unbounded repeats that run across lines and text', () => {
    for (const source of [
      'FAIL[\\s\\S]*Tests:',
      'FAIL(?:x|\\n)*Tests:',
      'FAIL[^\\]]+\\]',
      'FAIL\\D+x',
      'FAIL[^]*x',
    ]) {
      expect(analyseRegex(source, multi).problem).toMatch(
        /repeats without bound something that matches line breaks and text/,
      );
    }
    for (const source of [
      'FAIL(?:.*\\n){0,10}Tests:',
      'failed\\n\\s+\\[(?<p>[^\\]\\n]+)\\]',
      'a\\n\\s*b',
      'a\\n[^\\S]*b',
    ]) {
      expect(analyseRegex(source, multi).problem).toBeUndefined();
    }
    // Single-line patterns never see a line break, so the same repeat is fine there.
    expect(analyseRegex('FAIL[\\s\\S]*Tests:', single).problem).toBeUndefined();
  });

  it('counts numbered and named groups, leaving out non-capturing ones and lookarounds', () => {
    const analysis = analyseRegex(
      '(?<file>[^\\s(]+)\\((\\d+),(?:\\d+)\\)(?=:)(?<!x) error (?<code>TS\\d+)',
      single,
    );
    expect(analysis.groupCount).toBe(3);
    expect(analysis.groupNames).toEqual(['file', 'code']);
  });

  it('tells whether a pattern can match a line break', () => {
    expect(analyseRegex('a\\nb', multi).canMatchNewline).toBe(true);
    expect(analyseRegex('a\\sb', multi).canMatchNewline).toBe(true);
    expect(analyseRegex('a[\\x0a]b', multi).canMatchNewline).toBe(true);
    expect(analyseRegex('a\\x0ab', multi).canMatchNewline).toBe(true);
    expect(analyseRegex('a\\cJb', multi).canMatchNewline).toBe(true);
    expect(analyseRegex('a[^x]b', multi).canMatchNewline).toBe(true);
    expect(analyseRegex('a.b[^x\\n]\\S\\d\\w\\t', multi).canMatchNewline).toBe(
      false,
    );
    expect(analyseRegex('a(?:\\n){0}b', multi).canMatchNewline).toBe(false);
  });

  describe('required literals', () => {
    it.each([
      ['npm (?:ERR!|error) code ERESOLVE', [' code ERESOLVE']],
      ['\\b(?:ENOTFOUND|ECONNREFUSED)\\b', ['ENOTFOUND', 'ECONNREFUSED']],
      [
        '(?<file>[^\\s(]+)\\((?<l>\\d+),(?<c>\\d+)\\): error (?<code>TS\\d+)',
        ['): error TS'],
      ],
      ['^\\s+\\d+:\\d+ {2,}error {2,}(?<m>.+)', ['error  ']],
      [
        "fatal: Authentication failed for '(?<r>[^']+)'",
        ["fatal: Authentication failed for '"],
      ],
      ['java\\.lang\\.OutOfMemoryError', ['java.lang.OutOfMemoryError']],
      ['a{3}bc', ['aaabc']],
    ])('of %s', (source, literals) => {
      expect(analyseRegex(source, single).requiredLiterals).toEqual(literals);
    });

    it('are lower-cased for ignoreCase patterns', () => {
      expect(
        analyseRegex('Heap Out Of Memory', {
          multiLine: false,
          ignoreCase: true,
        }).requiredLiterals,
      ).toEqual(['heap out of memory']);
    });

    it('are left out when a match need not contain three literal characters', () => {
      for (const source of [
        '\\d+ failed|\\d+ k',
        '(?:ab)?cd',
        'x?y?z?',
        '[A-Z]+\\d+',
        'a\\d+b',
        'a(?:foo|b)c',
        '(?=abcd)\\w+',
      ]) {
        expect(analyseRegex(source, single).requiredLiterals).toBeUndefined();
      }
    });
  });
});
