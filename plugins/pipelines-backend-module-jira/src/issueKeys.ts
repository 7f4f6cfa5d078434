/**
 * Jira issue keys in free text (`PAY-12`, `LEDG_OPS-7`): a project key (an upper-case letter,
 * then upper-case letters, digits or `_`) and a number, not glued to other letters or digits.
 * Lower-case spellings (`pay-12` in a branch name) count too, as Jira's own development panel
 * reads them.
 */
const KEY_IN_TEXT =
  /(?<![A-Za-z0-9_])([A-Za-z][A-Za-z0-9_]+)-([1-9][0-9]{0,8})(?![A-Za-z0-9])/g;

/** Keys in `texts` whose project is one of `projectKeys`, upper-cased, in first-seen order. */
export function issueKeysIn(
  texts: Array<string | undefined>,
  projectKeys: string[],
): string[] {
  const projects = new Set(projectKeys.map(key => key.toUpperCase()));
  const keys: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    for (const match of text.matchAll(KEY_IN_TEXT)) {
      const project = match[1].toUpperCase();
      if (!projects.has(project)) continue;
      const key = `${project}-${match[2]}`;
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys;
}
