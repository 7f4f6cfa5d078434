import { InputError } from '@backstage/errors';
import type { z } from 'zod/v3';

/**
 * `value` checked against `schema`, or an InputError naming what was checked (`where`), the
 * field and what is wrong with it, e.g. `Invalid query field "entityRef": Required`.
 */
export function parseInput<T>(
  schema: z.ZodType<T, z.ZodTypeDef, any>,
  value: unknown,
  where: string,
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.');
    throw new InputError(
      `Invalid ${where}${field ? ` field "${field}"` : ''}: ${issue.message}`,
    );
  }
  return result.data;
}
