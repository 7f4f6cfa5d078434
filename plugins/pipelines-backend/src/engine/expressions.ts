import {
  evaluateParsedCondition,
  ExpressionReference,
  parseCondition,
  parseTemplate,
} from '@internal/plugin-pipelines-common';

/** Values `${{ … }}` expressions can refer to. */
export type ExpressionScope = {
  params: Record<string, string | number | boolean>;
  matrix: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
  env: Record<string, string>;
  run: { id: string; number?: number; branch?: string; commit?: string };
  entity: { ref: string; name: string };
};

/** The value of a reference; '' for one without a value (or not a reference at all). */
function lookup(
  reference: ExpressionReference | undefined,
  scope: ExpressionScope,
): string {
  if (!reference) return '';
  const values = scope[reference.scope] as Record<string, unknown>;
  const value = Object.prototype.hasOwnProperty.call(values, reference.name)
    ? values[reference.name]
    : undefined;
  return value === undefined || value === null ? '' : String(value);
}

/** Replaces every `${{ reference }}` with its value (for env values and step inputs). */
export function resolveExpressions(
  text: string,
  scope: ExpressionScope,
): string {
  return parseTemplate(text)
    .parts.map(part =>
      part.kind === 'text' ? part.text : lookup(part.reference, scope),
    )
    .join('');
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
  const text = parseTemplate(script)
    .parts.map(part => {
      if (part.kind === 'text') return part.text;
      let name = names.get(part.expression);
      if (!name) {
        name = `COMET_EXPR_${names.size}`;
        names.set(part.expression, name);
        env[name] = lookup(part.reference, scope);
      }
      return `\${${name}}`;
    })
    .join('');
  return { script: text, env };
}

/**
 * Evaluates an `if:` condition, read by the same grammar the pipeline validator checks it
 * with (`parseCondition` in pipelines-common). Values are compared as text and never become
 * syntax, so a parameter holding `&&` or `'` is just a value. Throws for a condition that
 * cannot be read (the validator reports the same problem).
 */
export function evaluateCondition(
  condition: string,
  scope: ExpressionScope,
): boolean {
  const parsed = parseCondition(condition);
  if (!parsed.condition) {
    throw new Error(
      `Condition "${condition}" cannot be evaluated: ${parsed.problems.join(
        '; ',
      )}`,
    );
  }
  return evaluateParsedCondition(parsed.condition, reference =>
    lookup(reference, scope),
  );
}
