import { JqlError, parseJql } from './jql';
import {
  FAKE_STATUSES,
  JIRA_FAKE_FIELDS,
  JiraFakeState,
} from './JiraFakeState';

const NOW = new Date('2024-06-12T12:00:00Z');

describe('JiraFakeState', () => {
  let state: JiraFakeState;
  const keys = (
    jql: string,
    user = state.userByEmail('alan.turing@example.com'),
  ) => state.query(parseJql(jql), user, NOW).map(i => i.key);
  const jqlError = (jql: string) => {
    try {
      keys(jql);
    } catch (error) {
      expect(error).toBeInstanceOf(JqlError);
      return (error as Error).message;
    }
    throw new Error(`Expected ${jql} to be refused`);
  };

  beforeEach(() => {
    state = new JiraFakeState('cloud');
    state.seedExample({ now: NOW });
  });

  describe('the example dataset', () => {
    it('has three projects, 60 issues with story points, users, versions and boards', () => {
      expect([...state.projects.keys()]).toEqual(['PAY', 'SHOP', 'LEDG']);
      const issues = [...state.issues.values()];
      expect(issues).toHaveLength(60);
      expect(issues.filter(i => i.projectKey === 'PAY')).toHaveLength(30);
      expect(issues.filter(i => i.projectKey === 'SHOP')).toHaveLength(18);
      expect(issues.filter(i => i.projectKey === 'LEDG')).toHaveLength(12);
      const nonEpics = issues.filter(i => i.issueTypeId !== '10000');
      expect(
        nonEpics.every(
          i => typeof i.customFields[JIRA_FAKE_FIELDS.storyPoints] === 'number',
        ),
      ).toBe(true);
      expect(state.users.map(u => u.emailAddress)).toEqual([
        'comet@example.com',
        'alan.turing@example.com',
        'katherine.johnson@example.com',
        'guest@example.com',
      ]);
      expect(
        state.project('PAY')!.versions.map(v => [v.name, v.released]),
      ).toEqual([
        ['1.4.0', true],
        ['1.5.0', false],
      ]);
      expect(state.boards.map(b => [b.name, b.type])).toEqual([
        ['PAY board', 'scrum'],
        ['SHOP board', 'kanban'],
        ['LEDG board', 'scrum'],
      ]);
      for (const status of FAKE_STATUSES) {
        expect(issues.some(i => i.statusId === status.id)).toBe(true);
      }
      expect(issues.some(i => i.labels.includes('flaky-test'))).toBe(true);
      expect(issues.some(i => i.components.length > 1)).toBe(true);
    });

    it('gives the active sprint a changelog over the last seven days that a burndown can use', () => {
      const sprint = state.sprints.find(s => s.state === 'active')!;
      expect(sprint.startDate!.toISOString()).toBe('2024-06-06T09:00:00.000Z');
      const issues = [...state.issues.values()].filter(i =>
        i.sprintIds.includes(sprint.id),
      );
      expect(issues).toHaveLength(11);
      const weekAgo = NOW.getTime() - 7 * 24 * 3600 * 1000;
      let doneInSprint = 0;
      for (const issue of issues) {
        const sprintChange = issue.changelog.find(h =>
          h.items.some(i => i.field === 'Sprint'),
        );
        expect(sprintChange).toBeDefined();
        for (const history of issue.changelog.filter(h =>
          h.items.some(i => i.field === 'status'),
        )) {
          expect(history.created.getTime()).toBeGreaterThanOrEqual(weekAgo);
          expect(history.created.getTime()).toBeLessThanOrEqual(NOW.getTime());
          if (history.items.some(i => i.toString === 'Done')) doneInSprint++;
        }
      }
      expect(doneInSprint).toBe(5);
      // one issue joined the sprint after it started; one was re-estimated
      expect(
        issues.filter(i =>
          i.changelog.some(
            h =>
              h.items.some(x => x.field === 'Sprint') &&
              h.created > sprint.startDate!,
          ),
        ),
      ).toHaveLength(1);
      expect(
        issues.filter(i =>
          i.changelog.some(h => h.items.some(x => x.field === 'Story Points')),
        ),
      ).toHaveLength(1);
    });

    it('adds generated issues quickly, creating the project', () => {
      const issues = state.seedIssues('BENCH', 5000, { now: NOW });
      expect(issues).toHaveLength(5000);
      expect(issues[4999].key).toBe('BENCH-5000');
      expect(keys('project = BENCH AND statusCategory = Done')).toHaveLength(
        Math.floor(5000 / 3),
      );
      state.seedIssues('PAY', 2);
      expect(state.issue('PAY-32')?.summary).toBe(
        'Generated issue 2 of Payments',
      );
      expect(() => state.addProject({ key: 'PAY' })).toThrow(
        'The fake already has a project PAY',
      );
    });
  });

  describe('JQL', () => {
    it('selects by project, component, labels, status, category, type and version', () => {
      expect(
        keys('project = LEDG AND component = reporting ORDER BY key ASC'),
      ).toEqual(['LEDG-6', 'LEDG-9', 'LEDG-10']);
      // keys sort by project key, then number
      expect(
        keys('project in (SHOP, Ledger) AND labels = flaky-test ORDER BY key'),
      ).toEqual(['LEDG-11', 'SHOP-17']);
      expect(
        keys('project = PAY AND status in ("In Progress") AND issuetype = Bug'),
      ).toEqual(['PAY-26', 'PAY-10']);
      expect(
        keys('project = PAY AND statusCategory != Done AND type = Epic'),
      ).toEqual(['PAY-1']);
      expect(keys('fixVersion = 1.4.0 ORDER BY key ASC')).toEqual([
        'PAY-13',
        'PAY-14',
        'PAY-15',
        'PAY-16',
        'PAY-17',
        'PAY-29',
      ]);
      expect(keys('project = LEDG AND fixVersion is EMPTY')).toHaveLength(9);
      expect(
        keys(
          'project = PAY AND component not in (checkout, payments-api, refunds)',
        ),
      ).toEqual(['PAY-28', 'PAY-20', 'PAY-8']);
    });

    it('selects by assignee, the current user, sprints, keys, text and numbers', () => {
      const alan = state.userByEmail('alan.turing@example.com')!;
      expect(keys('assignee = currentUser() AND project = SHOP')).toEqual([]);
      expect(keys(`assignee = "${alan.accountId}" AND project = PAY`)).toEqual(
        keys('assignee = currentUser() AND project = PAY'),
      );
      // open sprints are the active and the future ones
      expect(
        keys('project = PAY AND sprint in openSprints() AND assignee is EMPTY'),
      ).toEqual(['PAY-19', 'PAY-18', 'PAY-11', 'PAY-8']);
      expect(
        keys('sprint = "PAY Sprint 23" AND assignee is EMPTY ORDER BY key ASC'),
      ).toEqual(['PAY-8', 'PAY-11']);
      expect(keys('sprint in closedSprints()')).toHaveLength(5);
      expect(keys('sprint = 3')).toEqual(['PAY-19', 'PAY-18']);
      expect(keys('key in (PAY-1, shop-2) ORDER BY key ASC')).toEqual([
        'PAY-1',
        'SHOP-2',
      ]);
      expect(keys('issuekey = LEDG-3 OR id = 10001 ORDER BY key ASC')).toEqual([
        'LEDG-3',
        'PAY-2',
      ]);
      expect(keys('text ~ "webhook twice"')).toEqual(['PAY-7']);
      expect(
        keys('summary ~ flaky AND NOT project = PAY ORDER BY key'),
      ).toEqual(['LEDG-11', 'SHOP-17']);
      expect(keys('summary !~ "e" AND project = PAY')).toEqual([]);
      expect(
        keys(
          'project = PAY AND "Story points" >= 8 AND issuetype = Story ORDER BY "Story points" DESC, key ASC',
        ),
      ).toEqual(['PAY-18', 'PAY-2', 'PAY-8', 'PAY-13', 'PAY-19', 'PAY-28']);
      expect(keys('cf[10016] < 2 AND project = SHOP')).toEqual([
        'SHOP-16',
        'SHOP-11',
        'SHOP-6',
        'SHOP-1',
      ]);
      expect(
        keys(
          'project = SHOP AND (priority = High OR resolution = Unresolved) AND team = Storefront',
        ),
      ).toHaveLength(12);
      expect(keys('project = PAY AND description is EMPTY')).toEqual([]);
      expect(keys('reporter = currentUser() AND project = LEDG')).toEqual([]);
      expect(keys('parent is EMPTY AND project = LEDG')).toHaveLength(12);
    });

    it('compares dates relative or absolute, and orders', () => {
      expect(keys('project = LEDG AND created >= -10d')).toEqual([]);
      expect(
        keys('project = SHOP AND created > "2024-06-03" ORDER BY created ASC'),
      ).toEqual(['SHOP-17', 'SHOP-18']);
      expect(
        keys('project = SHOP AND created <= startOfDay() AND updated < now()'),
      ).toHaveLength(18);
      expect(keys('project = LEDG ORDER BY updated DESC, key ASC').length).toBe(
        12,
      );
      expect(
        keys('project = PAY ORDER BY priority, status, summary, rank, created'),
      ).toHaveLength(30);
      expect(keys('project = SHOP AND key > SHOP-16 ORDER BY key')).toEqual([
        'SHOP-17',
        'SHOP-18',
      ]);
    });

    it("answers Jira's messages for what it refuses", () => {
      expect(jqlError('project PAY')).toBe(
        "Error in the JQL Query: Expecting operator but got 'PAY'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)",
      );
      expect(jqlError('project =')).toBe(
        'Error in the JQL Query: Expecting either a value, list or function before the end of the query.',
      );
      expect(jqlError('project')).toBe(
        "Error in the JQL Query: Expecting operator before the end of the query. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.",
      );
      expect(jqlError('project = PAY status = Done')).toBe(
        "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 15)",
      );
      expect(jqlError('project = AND')).toBe(
        "Error in the JQL Query: Expecting either a value, list or function but got 'AND'. You must surround 'AND' in quotation marks to use it as a value. (line 1, character 11)",
      );
      expect(jqlError('summary ~ "unclosed')).toBe(
        "Error in the JQL Query: The quoted string 'unclosed' has not been completed. (line 1, character 11)",
      );
      expect(jqlError('labels = a%b')).toBe(
        "Error in the JQL Query: The character '%' is a reserved JQL character. You must enclose it in a string or use the escape '\\u0025' instead. (line 1, character 11)",
      );
      expect(jqlError('project in PAY')).toBe(
        "Error in the JQL Query: Expecting a list of values or a function for the 'IN' operator but got 'PAY'. (line 1, character 12)",
      );
      expect(jqlError('project in (PAY SHOP)')).toBe(
        "Error in the JQL Query: Expecting ')' but got 'SHOP'. (line 1, character 17)",
      );
      expect(jqlError('project in (PAY')).toBe(
        "Error in the JQL Query: Expecting ')' before the end of the query.",
      );
      expect(jqlError('(project = PAY')).toBe(
        "Error in the JQL Query: Expecting ')' before the end of the query.",
      );
      expect(jqlError('(project = PAY,')).toBe(
        "Error in the JQL Query: Expecting ')' but got ','. (line 1, character 15)",
      );
      expect(jqlError('project = PAY ORDER created')).toBe(
        "Error in the JQL Query: Expecting 'BY' but got 'created'. (line 1, character 21)",
      );
      expect(jqlError('project = PAY ORDER')).toBe(
        "Error in the JQL Query: Expecting 'BY' before the end of the query.",
      );
      expect(jqlError('project = PAY ORDER BY')).toBe(
        'Error in the JQL Query: Expecting a field name before the end of the query.',
      );
      expect(jqlError('project = PAY ORDER BY ,')).toBe(
        "Error in the JQL Query: Expecting a field name but got ','. (line 1, character 24)",
      );
      expect(jqlError('AND project = PAY')).toBe(
        "Error in the JQL Query: Expecting a field name but got 'AND'. (line 1, character 1)",
      );
      expect(jqlError('= PAY')).toBe(
        "Error in the JQL Query: Expecting a field name but got '='. (line 1, character 1)",
      );
      expect(jqlError('project = PAY AND')).toBe(
        'Error in the JQL Query: Expecting a field name before the end of the query.',
      );
      expect(jqlError('status was Done')).toBe(
        "The Jira fake does not support the history operator 'WAS' (line 1, character 8)",
      );
      expect(jqlError('colour = red')).toBe(
        "Field 'colour' does not exist or you do not have permission to view it.",
      );
      expect(jqlError('project = PAY ORDER BY colour')).toBe(
        "Field 'colour' does not exist or you do not have permission to view it.",
      );
      expect(jqlError('project = NOPE')).toBe(
        "The value 'NOPE' does not exist for the field 'project'.",
      );
      expect(jqlError('status = Blocked')).toBe(
        "The value 'Blocked' does not exist for the field 'status'.",
      );
      expect(jqlError('statusCategory = Waiting')).toBe(
        "The value 'Waiting' does not exist for the field 'statusCategory'.",
      );
      expect(jqlError('issuetype = Incident')).toBe(
        "The value 'Incident' does not exist for the field 'issuetype'.",
      );
      expect(jqlError('priority = Urgent')).toBe(
        "The value 'Urgent' does not exist for the field 'priority'.",
      );
      expect(jqlError('project ~ PAY')).toBe(
        "The operator '~' is not supported by the 'project' field.",
      );
      expect(jqlError('summary = x')).toBe(
        "The operator '=' is not supported by the 'summary' field.",
      );
      expect(jqlError('labels is x')).toBe(
        "The operator 'IS' is not supported by the value for the 'labels' field; use EMPTY.",
      );
      expect(jqlError('assignee = me()')).toBe(
        "Unable to find JQL function 'me()'.",
      );
      expect(jqlError('project = currentUser()')).toBe(
        "Function 'currentUser' is not supported by the 'project' field.",
      );
      expect(jqlError('created > yesterday')).toMatch(
        /^Date value 'yesterday' for field 'created' is invalid\./,
      );
      expect(jqlError('"Story points" > many')).toBe(
        "The value 'many' is not a valid number for the field 'Story points'.",
      );
    });
  });
});
