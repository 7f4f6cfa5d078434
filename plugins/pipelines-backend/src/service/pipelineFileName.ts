/** The longest `name:` reported for a pipeline file. */
const MAX_NAME_LENGTH = 200;

/** A quoted value and what follows it: `"…"` without escapes, or `'…'` with `''` for `'`. */
const QUOTED = [/^"([^"\\]*)"(.*)$/, /^'((?:[^']|'')*)'(.*)$/];

/**
 * The top-level `name:` of a pipeline file, read from its line without parsing the whole
 * file: a plain or quoted one-line value. Undefined when there is none or it is written
 * another way (a block scalar, an alias, a flow collection, an escape); the file is not
 * validated here.
 */
export function pipelineFileName(text: string): string | undefined {
  const line = /^name:[ \t]*(.*?)[ \t]*\r?$/m.exec(text)?.[1];
  if (!line) return undefined;
  let name: string;
  if (line.startsWith('"') || line.startsWith("'")) {
    const quoted = QUOTED.map(pattern => pattern.exec(line)).find(Boolean);
    const rest = quoted?.[2].trim();
    if (!quoted || (rest !== '' && !rest?.startsWith('#'))) return undefined;
    name = quoted[1].replace(/''/g, "'");
  } else if (/^[|>&*!%@`{[#]/.test(line)) {
    return undefined;
  } else {
    // A plain value ends where a comment starts (` #`)
    name = line.replace(/[ \t]+#.*$/, '');
  }
  name = name.trim();
  if (!name) return undefined;
  return name.length > MAX_NAME_LENGTH
    ? `${name.slice(0, MAX_NAME_LENGTH - 1)}…`
    : name;
}
