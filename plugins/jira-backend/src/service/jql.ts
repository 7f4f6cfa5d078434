import { InputError } from '@backstage/errors';
import { jqlString, type JiraIssueFilters } from '@internal/plugin-jira-common';

/**
 * Checks a user's JQL before it is ANDed with an entity's: it must be one balanced expression,
 * so `x) OR (project = HR` cannot close the entity's parenthesis and widen the search, and it
 * may not carry its own ORDER BY (Comet orders). Strings (`"…"`, `'…'`) are skipped with their
 * escapes; the error says where the problem is.
 */
export function checkJqlFilter(jql: string, field = 'jql'): string {
  const text = jql.trim();
  if (text.length > 2000) {
    throw new InputError(`${field} is longer than 2000 characters`);
  }
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') {
        i++;
      } else if (c === quote) {
        quote = undefined;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth < 0) {
        throw new InputError(
          `${field} closes a parenthesis it did not open (at character ${
            i + 1
          }): a filter can only narrow the entity's issues`,
        );
      }
    }
  }
  if (quote) {
    throw new InputError(`${field} has an unterminated string (${quote})`);
  }
  if (depth !== 0) {
    throw new InputError(`${field} has ${depth} unclosed parenthesis`);
  }
  if (/\border\s+by\b/i.test(stripStrings(text))) {
    throw new InputError(
      `${field} may not contain ORDER BY: Comet orders by last update`,
    );
  }
  return text;
}

function stripStrings(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
}

/**
 * The JQL of an entity's issues narrowed by the user's filters. `accountIdOfMe` is the
 * signed-in user's Jira account on this instance (`assignee=me`); never `currentUser()`, which
 * would be Comet's own account.
 */
export function filteredJql(
  entityJql: string,
  filters: JiraIssueFilters,
  accountIdOfMe?: string,
): string {
  const clauses = [`(${entityJql})`];
  const list = (values: string[]) => values.map(jqlString).join(', ');
  if (filters.status?.length) {
    clauses.push(`status in (${list(filters.status)})`);
  }
  if (filters.type?.length) {
    clauses.push(`issuetype in (${list(filters.type)})`);
  }
  if (filters.assignee?.length) {
    const parts: string[] = [];
    const ids = filters.assignee
      .map(a => (a === 'me' ? accountIdOfMe : a))
      .filter((a): a is string => !!a && a !== 'unassigned');
    if (filters.assignee.includes('me') && !accountIdOfMe) {
      throw new InputError(
        'assignee=me: your catalog user has no email that matches a Jira account on this instance',
      );
    }
    if (ids.length) parts.push(`assignee in (${list(ids)})`);
    if (filters.assignee.includes('unassigned'))
      parts.push('assignee is EMPTY');
    clauses.push(parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`);
  }
  if (filters.jql && filters.jql.trim()) {
    clauses.push(`(${checkJqlFilter(filters.jql)})`);
  }
  return `${clauses.join(' AND ')} ORDER BY updated DESC`;
}
