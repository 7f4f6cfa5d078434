/**
 * Description templates of failure rules: `{1}` is a numbered capture group, `{name}` a named
 * one, `{{` and `}}` are literal braces.
 */

type TemplatePart = { text: string } | { group: string };

/** A template's parts, or the reason it cannot be read. */
export function parseTemplate(
  template: string,
): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let text = '';
  let position = 0;
  while (position < template.length) {
    const char = template[position];
    const next = template[position + 1];
    if ((char === '{' && next === '{') || (char === '}' && next === '}')) {
      text += char;
      position += 2;
      continue;
    }
    if (char === '}') {
      return {
        error: `a lone "}" at character ${
          position + 1
        }; write "}}" for a brace`,
      };
    }
    if (char === '{') {
      const close = template.indexOf('}', position);
      const name = close < 0 ? '' : template.slice(position + 1, close);
      if (!/^(?:\d+|[A-Za-z_$][\w$]*)$/.test(name)) {
        return {
          error:
            `"${template.slice(
              position,
              close < 0 ? undefined : close + 1,
            )}" at ` +
            `character ${
              position + 1
            } is not a group reference such as {1} or {name}; ` +
            `write "{{" for a brace`,
        };
      }
      if (text) {
        parts.push({ text });
        text = '';
      }
      parts.push({ group: name });
      position = close + 1;
      continue;
    }
    text += char;
    position++;
  }
  if (text) {
    parts.push({ text });
  }
  return { parts };
}

/** The groups a template refers to, in order of first use. */
export function templateGroups(parts: TemplatePart[]): string[] {
  const groups: string[] = [];
  for (const part of parts) {
    if ('group' in part && !groups.includes(part.group)) {
      groups.push(part.group);
    }
  }
  return groups;
}

/** The template with each reference replaced by its group's text (empty when it took no part). */
export function renderTemplate(
  parts: TemplatePart[],
  groups: Record<string, string>,
): string {
  let result = '';
  for (const part of parts) {
    result += 'text' in part ? part.text : groups[part.group] ?? '';
  }
  return result;
}

export type { TemplatePart };
