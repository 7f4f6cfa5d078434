import type {
  JiraActiveSprint,
  JiraCreateMeta,
  JiraIssue,
  JiraOverview,
} from '@internal/plugin-jira-common';
import type { JiraApi } from '../api';

export const entityRef = 'component:default/payments-api';

export function entityWith(
  annotations: Record<string, string>,
  name = 'payments-api',
) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

export const entity = entityWith({ 'jira/project-key': 'PAY' });

export function issue(
  key: string,
  overrides: Partial<JiraIssue> = {},
): JiraIssue {
  return {
    key,
    id: key.replace(/\D/g, ''),
    url: `https://jira.example.com/browse/${key}`,
    summary: `Summary of ${key}`,
    status: { name: 'In Progress', category: 'indeterminate' },
    type: { name: 'Bug' },
    priority: { name: 'High' },
    assignee: { id: 'acc-ada', displayName: 'Ada Lovelace' },
    labels: [],
    components: [],
    fixVersions: [],
    customFields: {},
    created: '2026-11-01T10:00:00.000Z',
    updated: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

export const overview: JiraOverview = {
  scope: {
    projects: [{ instance: 'default', projectKey: 'PAY' }],
    jql: 'project = "PAY"',
  },
  total: 42,
  byStatus: [
    { name: 'To Do', category: 'new', count: 10 },
    { name: 'Backlog', category: 'new', count: 5 },
    { name: 'In Progress', category: 'indeterminate', count: 7 },
    { name: 'Done', category: 'done', count: 20 },
  ],
  byType: [
    { name: 'Bug', count: 12 },
    { name: 'Story', count: 30 },
  ],
  notices: [],
};

export const sprint: JiraActiveSprint = {
  board: { id: 7, name: 'PAY board', type: 'scrum' },
  sprint: {
    id: 21,
    name: 'Sprint 21',
    state: 'active',
    startDate: '2026-11-16T09:00:00.000Z',
    endDate: '2026-11-27T17:00:00.000Z',
    goal: 'Partial refunds',
  },
  issues: [
    issue('PAY-1', { storyPoints: 5 }),
    issue('PAY-2', {
      storyPoints: 3,
      status: { name: 'Done', category: 'done' },
    }),
  ],
  burndown: [
    { date: '2026-11-16', remaining: 20, ideal: 20 },
    { date: '2026-11-17', remaining: 18, ideal: 15 },
    { date: '2026-11-18', remaining: 12, ideal: 10 },
  ],
  notices: [],
};

export const createMeta: JiraCreateMeta = {
  projects: [
    {
      instance: 'default',
      key: 'PAY',
      name: 'Payments',
      issueTypes: [
        {
          id: '10001',
          name: 'Story',
          subtask: false,
          fields: [
            {
              id: 'summary',
              name: 'Summary',
              required: true,
              schemaType: 'string',
            },
            {
              id: 'description',
              name: 'Description',
              required: false,
              schemaType: 'string',
            },
            {
              id: 'labels',
              name: 'Labels',
              required: false,
              schemaType: 'array',
              itemsType: 'string',
            },
          ],
        },
        {
          id: '10004',
          name: 'Bug',
          subtask: false,
          fields: [
            {
              id: 'summary',
              name: 'Summary',
              required: true,
              schemaType: 'string',
            },
            {
              id: 'description',
              name: 'Description',
              required: false,
              schemaType: 'string',
            },
            {
              id: 'assignee',
              name: 'Assignee',
              required: false,
              schemaType: 'user',
            },
            {
              id: 'labels',
              name: 'Labels',
              required: false,
              schemaType: 'array',
              itemsType: 'string',
            },
            {
              id: 'components',
              name: 'Components',
              required: false,
              schemaType: 'array',
              itemsType: 'component',
              allowedValues: [
                { id: '1', name: 'payments-api' },
                { id: '2', name: 'ledger' },
              ],
            },
            {
              id: 'customfield_10010',
              name: 'Severity',
              required: true,
              schemaType: 'option',
              allowedValues: [
                { id: '501', name: 'S1' },
                { id: '502', name: 'S2' },
              ],
            },
            {
              id: 'customfield_10016',
              name: 'Story Points',
              required: true,
              schemaType: 'number',
            },
            {
              id: 'customfield_10020',
              name: 'Found in',
              required: true,
              schemaType: 'string',
            },
            {
              id: 'customfield_10030',
              name: 'Environments',
              required: true,
              schemaType: 'array',
              itemsType: 'string',
            },
            {
              id: 'customfield_10040',
              name: 'Not asked',
              required: false,
              schemaType: 'string',
            },
            {
              id: 'reporter',
              name: 'Reporter',
              required: true,
              schemaType: 'user',
            },
          ],
        },
        { id: '10005', name: 'Sub-task', subtask: true, fields: [] },
      ],
    },
  ],
};

/** A JiraApi whose every method is a jest.fn answering like the backend would. */
export function mockJiraApi(
  overrides: Partial<JiraApi> = {},
): jest.Mocked<JiraApi> {
  return {
    getOverview: jest.fn(async () => overview),
    getEntityIssues: jest.fn(async request => {
      const page = request.pageToken ? Number(request.pageToken) : 1;
      return {
        issues: [
          issue(`PAY-${page * 100 + 1}`),
          issue(`PAY-${page * 100 + 2}`, {
            assignee: undefined,
            status: { name: 'To Do', category: 'new' },
            type: { name: 'Story' },
            priority: undefined,
          }),
        ],
        nextPageToken: page < 3 ? String(page + 1) : undefined,
        total: 60,
        notices: [],
        linkedRuns: {},
      };
    }),
    getCreateMeta: jest.fn(async () => createMeta),
    createIssue: jest.fn(async () => ({
      key: 'PAY-999',
      id: '999',
      url: 'https://jira.example.com/browse/PAY-999',
    })),
    getActiveSprint: jest.fn(async () => sprint),
    getVersions: jest.fn(async () => ({
      versions: [
        {
          id: '1',
          name: '1.4.0',
          released: true,
          releaseDate: '2026-10-01',
          projectKey: 'PAY',
        },
        { id: '2', name: '1.5.0', released: false, projectKey: 'PAY' },
      ],
    })),
    getReleaseNotes: jest.fn(async ({ version }) => ({
      version,
      markdown: `## Bug\n\n- PAY-7 Refund rounding in ${version}\n`,
      groups: [{ type: 'Bug', issues: [issue('PAY-7')] }],
    })),
    getIssue: jest.fn(),
    getTransitions: jest.fn(),
    transitionIssue: jest.fn(),
    addComment: jest.fn(),
    addAttachment: jest.fn(),
    getMyIssues: jest.fn(async () => ({
      issues: [issue('OPS-5', { summary: 'Rotate the ledger keys' })],
      notices: [],
    })),
    search: jest.fn(),
    ...overrides,
  } as jest.Mocked<JiraApi>;
}
