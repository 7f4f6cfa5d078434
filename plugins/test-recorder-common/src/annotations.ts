/** The suites an entity owns: `comet.dev/test-suites: storefront-checkout, storefront-search`. */
export const TEST_SUITES_ANNOTATION = 'comet.dev/test-suites';

/** A suite or test name: lower-case letters, digits and dashes. */
export const SUITE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/**
 * The suite names an annotation value lists (comma or whitespace separated). Throws an error
 * that names the bad entry.
 */
export function parseTestSuitesAnnotation(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') {
    return [];
  }
  const names: string[] = [];
  for (const entry of value.split(/[,\s]+/)) {
    if (entry === '') {
      continue;
    }
    if (!SUITE_NAME_PATTERN.test(entry)) {
      throw new Error(
        `${TEST_SUITES_ANNOTATION}: ${JSON.stringify(
          entry,
        )} is not a suite name (lower-case letters, digits and dashes)`,
      );
    }
    if (!names.includes(entry)) {
      names.push(entry);
    }
  }
  return names;
}
