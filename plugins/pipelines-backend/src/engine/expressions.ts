/** Values `${{ … }}` expressions can refer to. */
export type ExpressionScope = {
  params: Record<string, string | number | boolean>;
  matrix: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
  env: Record<string, string>;
  run: { id: string; number?: number; branch?: string; commit?: string };
  entity: { ref: string; name: string };
};

const EXPRESSION = /\$\{\{\s*([^}]*?)\s*\}\}/g;

function lookup(path: string, scope: ExpressionScope): string {
  const [head, ...rest] = path.split('.');
  const key = rest.join('.');
  let value: unknown;
  switch (head) {
    case 'params':
      value = scope.params[key];
      break;
    case 'matrix':
      value = scope.matrix[key];
      break;
    case 'secrets':
      value = scope.secrets[key];
      break;
    case 'env':
      value = scope.env[key];
      break;
    case 'run':
      value = (scope.run as Record<string, unknown>)[key];
      break;
    case 'entity':
      value = (scope.entity as Record<string, unknown>)[key];
      break;
    default:
      value = undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

/** Replaces every `${{ path }}` with its value (for env values and step inputs). */
export function resolveExpressions(
  text: string,
  scope: ExpressionScope,
): string {
  return text.replace(EXPRESSION, (_, path: string) =>
    lookup(path.trim(), scope),
  );
}

/** Resolves expressions in every string of a JSON-like value. */
export function resolveDeep(value: unknown, scope: ExpressionScope): unknown {
  if (typeof value === 'string') {
    return resolveExpressions(value, scope);
  }
  if (Array.isArray(value)) {
    return value.map(item => resolveDeep(item, scope));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveDeep(v, scope)]),
    );
  }
  return value;
}

/**
 * Prepares a `run:` script without interpolating any value into its text: each expression
 * becomes a reference to an environment variable that carries the value, so a parameter such
 * as `1.0; rm -rf /` is data to bash, never code.
 */
export function prepareScript(
  script: string,
  scope: ExpressionScope,
): { script: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const names = new Map<string, string>();
  const text = script.replace(EXPRESSION, (_, raw: string) => {
    const path = raw.trim();
    let name = names.get(path);
    if (!name) {
      name = `COMET_EXPR_${names.size}`;
      names.set(path, name);
      env[name] = lookup(path, scope);
    }
    return `\${${name}}`;
  });
  return { script: text, env };
}

/**
 * Evaluates an `if:` condition: expressions are resolved, then the result is either a single
 * value (false for '', 'false', '0') or a comparison `a == b` / `a != b` (quotes optional),
 * combined with `&&` and `||`.
 */
export function evaluateCondition(
  condition: string,
  scope: ExpressionScope,
): boolean {
  const unwrapped = condition.trim().replace(/^\$\{\{\s*([^]*?)\s*\}\}$/, '$1');
  // `${{ }}` expressions first, then bare references (`params.x == 'y'`), each value quoted
  // so that it stays one operand.
  const text = unwrapped
    .replace(EXPRESSION, (_, path: string) =>
      JSON.stringify(lookup(path.trim(), scope)),
    )
    .replace(
      /(?<![\w'"])(params|matrix|secrets|env|run|entity)\.([A-Za-z0-9_-]+)/g,
      (_, head: string, key: string) =>
        JSON.stringify(lookup(`${head}.${key}`, scope)),
    );
  return text
    .split('||')
    .some(any => any.split('&&').every(all => evaluateTerm(all.trim())));
}

function literal(value: string): string {
  const trimmed = value.trim();
  const quoted = /^(['"])([^]*)\1$/.exec(trimmed);
  return quoted ? quoted[2] : trimmed;
}

function evaluateTerm(term: string): boolean {
  const comparison = /^([^]*?)\s*(==|!=)\s*([^]*)$/.exec(term);
  if (comparison) {
    const equal = literal(comparison[1]) === literal(comparison[3]);
    return comparison[2] === '==' ? equal : !equal;
  }
  const negated = term.startsWith('!');
  const value = literal(negated ? term.slice(1) : term);
  const truthy = value !== '' && value !== 'false' && value !== '0';
  return negated ? !truthy : truthy;
}
