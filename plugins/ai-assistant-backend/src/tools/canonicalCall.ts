import { createHash } from 'node:crypto';

/** Orders by UTF-16 code units, as `Array.prototype.sort` does: independent of the locale. */
function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** JSON with object keys sorted at every level: one text per value, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value
      .map(item => (item === undefined ? 'null' : canonicalJson(item)))
      .join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => compareCodeUnits(a, b));
    return `{${entries
      .map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * sha256 (hex) of the canonical call: the action id and its arguments. A confirmation is
 * bound to this, so it runs exactly the call the user was shown.
 */
export function callHash(actionId: string, input: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ actionId, input }))
    .digest('hex');
}
