import { checkJqlFilter, filteredJql } from './jql';

describe('checkJqlFilter', () => {
  it('accepts balanced filters, with parentheses inside strings', () => {
    expect(checkJqlFilter(' priority = High ')).toBe('priority = High');
    expect(checkJqlFilter('summary ~ "a ) b" AND (labels = x)')).toBe(
      'summary ~ "a ) b" AND (labels = x)',
    );
    expect(checkJqlFilter("summary ~ 'it\\'s )'")).toBe("summary ~ 'it\\'s )'");
  });

  it('refuses what could widen the entity scope or reorder it', () => {
    expect(() => checkJqlFilter('x) OR (project = HR')).toThrow(
      "jql closes a parenthesis it did not open (at character 2): a filter can only narrow the entity's issues",
    );
    expect(() => checkJqlFilter('(a = b')).toThrow(
      'jql has 1 unclosed parenthesis',
    );
    expect(() => checkJqlFilter('summary ~ "open')).toThrow(
      'jql has an unterminated string (")',
    );
    expect(() => checkJqlFilter('a = b order  BY created')).toThrow(
      'jql may not contain ORDER BY: Comet orders by last update',
    );
    expect(checkJqlFilter('summary ~ "order by"')).toBe('summary ~ "order by"');
    expect(() => checkJqlFilter('a'.repeat(2001))).toThrow(
      'jql is longer than 2000 characters',
    );
  });
});

describe('filteredJql', () => {
  const base = 'project = "PAY"';

  it('ANDs quoted filters with the entity JQL and orders by update', () => {
    expect(
      filteredJql(base, {
        status: ['To Do', 'In "Review"'],
        type: ['Bug'],
        jql: 'priority = High',
      }),
    ).toBe(
      '(project = "PAY") AND status in ("To Do", "In \\"Review\\"") AND issuetype in ("Bug") AND (priority = High) ORDER BY updated DESC',
    );
    expect(filteredJql(base, {})).toBe(
      '(project = "PAY") ORDER BY updated DESC',
    );
  });

  it('maps me to the user account and unassigned to EMPTY', () => {
    expect(filteredJql(base, { assignee: ['me', 'unassigned'] }, 'acc-1')).toBe(
      '(project = "PAY") AND (assignee in ("acc-1") OR assignee is EMPTY) ORDER BY updated DESC',
    );
    expect(filteredJql(base, { assignee: ['unassigned'] })).toBe(
      '(project = "PAY") AND assignee is EMPTY ORDER BY updated DESC',
    );
    expect(() => filteredJql(base, { assignee: ['me'] })).toThrow(
      /assignee=me: your catalog user has no email/,
    );
  });
});
