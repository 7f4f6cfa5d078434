import { mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { JiraIssue } from '@internal/plugin-jira-common';
import type { JiraService } from '../service/JiraService';
import { registerActions } from './registerActions';

const ISSUE: JiraIssue = {
  key: 'PAY-7',
  id: '10007',
  url: 'https://jira.example.com/browse/PAY-7',
  summary: 'Refund twice',
  status: { name: 'In Progress', category: 'indeterminate' },
  type: { name: 'Bug', iconUrl: 'https://jira.example.com/bug.svg' },
  priority: { name: 'High' },
  assignee: { id: 'acc-1', displayName: 'Alan Turing', avatarUrl: 'x' },
  labels: ['refunds'],
  components: ['payments-api'],
  fixVersions: ['1.5.0'],
  storyPoints: 3,
  customFields: {},
  created: '2026-12-01T00:00:00.000Z',
  updated: '2026-12-02T00:00:00.000Z',
};
const BRIEF = {
  key: 'PAY-7',
  url: 'https://jira.example.com/browse/PAY-7',
  summary: 'Refund twice',
  status: 'In Progress',
  statusCategory: 'indeterminate',
  type: 'Bug',
  priority: 'High',
  assignee: 'Alan Turing',
  labels: ['refunds'],
  components: ['payments-api'],
  fixVersions: ['1.5.0'],
  storyPoints: 3,
  updated: '2026-12-02T00:00:00.000Z',
};

function setup() {
  const service = {
    issues: jest.fn(async () => ({
      issues: [ISSUE],
      total: 1,
      notices: [{ kind: 'stale', message: 'stale answer' }],
    })),
    search: jest.fn(async () => ({ issues: [ISSUE] })),
    issue: jest.fn(async () => ({
      ...ISSUE,
      descriptionMarkdown: 'It **fails**',
      descriptionHtml: '<p>It <strong>fails</strong></p>',
      comments: [
        {
          id: '1',
          author: { id: 'a', displayName: 'Katherine' },
          bodyMarkdown: 'Seen',
          created: '2026-12-02T00:00:00.000Z',
        },
        {
          id: '2',
          bodyMarkdown: 'Anonymous',
          created: '2026-12-03T00:00:00.000Z',
        },
      ],
    })),
    create: jest.fn(async () => ({ key: 'PAY-8', id: '8', url: 'u/PAY-8' })),
    transition: jest.fn(async () => ({
      id: '21',
      name: 'Done',
      to: { name: 'Done', category: 'done' },
    })),
    comment: jest.fn(async () => ({
      id: '99',
      bodyMarkdown: 'x',
      created: '',
    })),
    activeSprint: jest.fn(async () => ({
      board: { id: 1, name: 'PAY board', type: 'scrum' },
      sprint: { id: 5, name: 'Sprint 5', state: 'active' },
      issues: [ISSUE],
      burndown: [{ date: '2026-12-01', remaining: 3, ideal: 3 }],
      notices: [],
    })),
    releaseNotes: jest.fn(async () => ({
      version: '1.5.0',
      markdown: '# Release notes: 1.5.0',
      groups: [{ type: 'Bug', issues: [ISSUE, ISSUE] }],
    })),
  };
  const registry = actionsRegistryServiceMock();
  registerActions(registry, service as unknown as JiraService);
  return { registry, service };
}

const credentials = mockCredentials.user('user:default/alan.turing');
const entityRef = 'component:default/payments-api';

describe('jira actions', () => {
  it('registers honest attributes', async () => {
    const { registry } = setup();
    const { actions } = await registry.list();
    expect(
      actions.map(a => [
        a.name,
        a.attributes.readOnly,
        a.attributes.destructive,
      ]),
    ).toEqual([
      ['search-issues', true, false],
      ['get-issue', true, false],
      ['create-issue', false, false],
      ['transition-issue', false, false],
      ['add-comment', false, false],
      ['get-active-sprint', true, false],
      ['get-release-notes', true, false],
      ['list-projects', true, false],
    ]);
  });

  it("searches an entity's issues, or the instance with raw JQL", async () => {
    const { registry, service } = setup();
    const byEntity = await registry.invoke({
      id: 'test:search-issues',
      input: { entityRef, status: ['In Progress'], jql: 'priority = High' },
      credentials,
    });
    expect(service.issues).toHaveBeenCalledWith(credentials, {
      entityRef,
      filters: {
        jql: 'priority = High',
        status: ['In Progress'],
        type: undefined,
      },
      limit: 25,
    });
    expect(byEntity.output).toEqual({
      issues: [BRIEF],
      total: 1,
      notices: ['stale answer'],
    });
    const raw = await registry.invoke({
      id: 'test:search-issues',
      input: { jql: 'project = PAY', instance: 'default', limit: 5 },
      credentials,
    });
    expect(service.search).toHaveBeenCalledWith(credentials, {
      jql: 'project = PAY',
      instance: 'default',
      limit: 5,
    });
    expect(raw.output).toEqual({ issues: [BRIEF], notices: [] });
    await expect(
      registry.invoke({ id: 'test:search-issues', input: {}, credentials }),
    ).rejects.toThrow('Give an entityRef, or a jql to search the instance');
  });

  it('gets an issue with its description and comments', async () => {
    const { registry } = setup();
    const result = await registry.invoke({
      id: 'test:get-issue',
      input: { entityRef, key: 'PAY-7' },
      credentials,
    });
    expect(result.output).toEqual({
      issue: BRIEF,
      description: 'It **fails**',
      comments: [
        {
          author: 'Katherine',
          created: '2026-12-02T00:00:00.000Z',
          body: 'Seen',
        },
        { created: '2026-12-03T00:00:00.000Z', body: 'Anonymous' },
      ],
    });
  });

  it('creates, transitions and comments through the service', async () => {
    const { registry, service } = setup();
    const created = await registry.invoke({
      id: 'test:create-issue',
      input: { entityRef, issueType: 'Bug', summary: 'S', labels: ['a'] },
      credentials,
    });
    expect(service.create).toHaveBeenCalledWith(credentials, entityRef, {
      issueType: 'Bug',
      summary: 'S',
      labels: ['a'],
    });
    expect(created.output).toEqual({ key: 'PAY-8', url: 'u/PAY-8' });
    const moved = await registry.invoke({
      id: 'test:transition-issue',
      input: { entityRef, key: 'PAY-7', transition: 'Done' },
      credentials,
    });
    expect(moved.output).toEqual({ transition: 'Done', status: 'Done' });
    const comment = await registry.invoke({
      id: 'test:add-comment',
      input: { entityRef, key: 'PAY-7', body: 'Hi' },
      credentials,
    });
    expect(service.comment).toHaveBeenCalledWith(
      credentials,
      entityRef,
      'PAY-7',
      'Hi',
    );
    expect(comment.output).toEqual({ id: '99' });
  });

  it('gives the active sprint and release notes', async () => {
    const { registry } = setup();
    const sprint = await registry.invoke({
      id: 'test:get-active-sprint',
      input: { entityRef },
      credentials,
    });
    expect(sprint.output).toEqual({
      board: 'PAY board',
      sprint: { id: 5, name: 'Sprint 5', state: 'active' },
      issues: [BRIEF],
      burndown: [{ date: '2026-12-01', remaining: 3, ideal: 3 }],
      notices: [],
    });
    const notes = await registry.invoke({
      id: 'test:get-release-notes',
      input: { entityRef, version: '1.5.0' },
      credentials,
    });
    expect(notes.output).toEqual({
      markdown: '# Release notes: 1.5.0',
      issues: 2,
    });
  });
});
