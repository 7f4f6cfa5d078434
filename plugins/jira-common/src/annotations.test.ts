import {
  entityIssuesJql,
  jqlString,
  parseJiraProjectKeyAnnotation,
} from './annotations';

describe('parseJiraProjectKeyAnnotation', () => {
  it('reads keys with and without an instance', () => {
    expect(parseJiraProjectKeyAnnotation(' PAY, jira-dc/OPS_2 ')).toEqual({
      ok: true,
      projects: [
        { projectKey: 'PAY' },
        { instance: 'jira-dc', projectKey: 'OPS_2' },
      ],
    });
  });

  it('names the bad item', () => {
    const message = (value: string | undefined) => {
      const result = parseJiraProjectKeyAnnotation(value);
      return result.ok ? 'ok' : result.message;
    };
    expect(message(undefined)).toBe(
      'The annotation jira/project-key is empty; expected [instance/]KEY[,…], e.g. "PAY" or "jira-dc/PAY,OPS"',
    );
    expect(message('PAY,')).toBe(
      'The item 2 of jira/project-key "PAY," is empty',
    );
    expect(message('a/b/PAY')).toMatch(
      /^The item 1 of .* has more than one "\/"/,
    );
    expect(message('bad name/PAY')).toMatch(
      /names the instance "bad name", which is not a valid instance name/,
    );
    expect(message('pay')).toMatch(
      /has the project key "pay", which is not a Jira project key/,
    );
    expect(message('P')).toMatch(/not a Jira project key/);
    expect(message('PAY,PAY')).toBe(
      'The item 2 of jira/project-key "PAY,PAY" repeats "PAY"',
    );
  });
});

describe('entityIssuesJql', () => {
  it('selects the projects, narrowed by component and label', () => {
    expect(entityIssuesJql({ projectKeys: ['PAY'] })).toBe('project = "PAY"');
    expect(
      entityIssuesJql({
        projectKeys: ['PAY', 'OPS'],
        component: 'payments "api"',
        label: 'team-a',
      }),
    ).toBe(
      'project in ("PAY", "OPS") AND component = "payments \\"api\\"" AND labels = "team-a"',
    );
  });

  it('fills a template with quoted values', () => {
    expect(
      entityIssuesJql({
        projectKeys: ['PAY'],
        component: 'api',
        template:
          'project = {{ project }} AND (component = {{component}} OR labels = {{label}})',
      }),
    ).toBe('(project = "PAY" AND (component = "api" OR labels = ""))');
  });

  it('quotes JQL strings', () => {
    expect(jqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});
