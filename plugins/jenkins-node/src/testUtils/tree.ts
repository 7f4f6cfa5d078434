/**
 * Jenkins' `tree` query parameter: `a,b[c,d]{0,10},e[f[g]]`. Only the named fields are kept
 * (plus `_class`, which Jenkins always sends); `{from,to}` slices an array, `{n}` takes one.
 */
export type TreeSpec = Map<
  string,
  { children?: TreeSpec; range?: { from: number; to?: number } }
>;

export function parseTree(tree: string): TreeSpec {
  let pos = 0;
  function parseList(): TreeSpec {
    const spec: TreeSpec = new Map();
    while (pos < tree.length) {
      const start = pos;
      while (pos < tree.length && !',[]{}'.includes(tree[pos])) pos++;
      const name = tree.slice(start, pos).trim();
      let children: TreeSpec | undefined;
      let range: { from: number; to?: number } | undefined;
      if (tree[pos] === '[') {
        pos++;
        children = parseList();
        if (tree[pos] === ']') pos++;
      }
      if (tree[pos] === '{') {
        const end = tree.indexOf('}', pos);
        const body = tree.slice(pos + 1, end < 0 ? undefined : end);
        pos = end < 0 ? tree.length : end + 1;
        const [from, to] = body.split(',');
        const fromN = from.trim() === '' ? 0 : Number(from);
        if (to === undefined) {
          range = { from: fromN, to: fromN + 1 };
        } else {
          range = {
            from: fromN,
            to: to.trim() === '' ? undefined : Number(to),
          };
        }
      }
      if (name) spec.set(name, { children, range });
      if (tree[pos] === ',') {
        pos++;
        continue;
      }
      if (tree[pos] === ']') return spec;
    }
    return spec;
  }
  return parseList();
}

export function applyTree(value: unknown, spec: TreeSpec | undefined): unknown {
  if (!spec) return value;
  if (Array.isArray(value)) return value.map(v => applyTree(v, spec));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('_class' in source) out._class = source._class;
  for (const [name, field] of spec) {
    if (!(name in source)) continue;
    let fieldValue = source[name];
    if (field.range && Array.isArray(fieldValue)) {
      fieldValue = fieldValue.slice(field.range.from, field.range.to);
    }
    out[name] = field.children
      ? applyTree(fieldValue, field.children)
      : fieldValue;
  }
  return out;
}
