import { JiraApiError } from './api';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Which of `fields` (ids or names) an error from creating an issue names, and why. Read from
 * the error's `fieldErrors` when the backend sends them, else from its message, where the
 * backend lists Jira's refusals as `field: message` joined by `;` and its own input checks as
 * `Invalid body field "labels.0": …`.
 */
export function fieldErrorsOf(
  error: unknown,
  fields: string[],
): Record<string, string> {
  if (!(error instanceof Error)) return {};
  if (error instanceof JiraApiError && Object.keys(error.fieldErrors).length) {
    return error.fieldErrors;
  }
  const found: Record<string, string> = {};
  const invalid = /Invalid body field "([^".]+)[^"]*": (.+)$/.exec(
    error.message,
  );
  if (invalid && fields.includes(invalid[1])) {
    found[invalid[1]] = invalid[2].trim();
  }
  for (const field of fields) {
    if (found[field]) continue;
    const match = new RegExp(`(?:^|[:;]\\s*)${escape(field)}: ([^;]+)`).exec(
      error.message,
    );
    if (match) found[field] = match[1].trim();
  }
  return found;
}
