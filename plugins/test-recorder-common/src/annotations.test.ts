import {
  parseTestSuitesAnnotation,
  SUITE_NAME_PATTERN,
  TEST_SUITES_ANNOTATION,
} from './annotations';

describe('parseTestSuitesAnnotation', () => {
  it('reads comma or whitespace separated names once each', () => {
    expect(
      parseTestSuitesAnnotation(
        ' storefront-checkout, storefront-search\nstorefront-checkout ',
      ),
    ).toEqual(['storefront-checkout', 'storefront-search']);
    expect(parseTestSuitesAnnotation(',a,,b,')).toEqual(['a', 'b']);
  });

  it('is empty without a value', () => {
    expect(parseTestSuitesAnnotation(undefined)).toEqual([]);
    expect(parseTestSuitesAnnotation('  ')).toEqual([]);
  });

  it('names the bad entry', () => {
    expect(() => parseTestSuitesAnnotation('good, Bad_Name')).toThrow(
      'comet.dev/test-suites: "Bad_Name" is not a suite name (lower-case letters, digits and dashes)',
    );
    expect(TEST_SUITES_ANNOTATION).toBe('comet.dev/test-suites');
  });

  it('allows at most 64 characters without leading or trailing dashes', () => {
    expect(SUITE_NAME_PATTERN.test('a'.repeat(64))).toBe(true);
    expect(SUITE_NAME_PATTERN.test('a'.repeat(65))).toBe(false);
    expect(SUITE_NAME_PATTERN.test('-a')).toBe(false);
    expect(SUITE_NAME_PATTERN.test('a-')).toBe(false);
  });
});
