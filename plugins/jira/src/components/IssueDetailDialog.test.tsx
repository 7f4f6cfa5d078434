import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  configure,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { jiraApiRef } from '../api';
import { entity, entityWith } from '../__testUtils__/fixtures';
import { FakeJiraBackend } from '../__testUtils__/FakeJiraBackend';
import { pick } from '../__testUtils__/pick';
import { MAX_ATTACHMENT_BYTES } from './IssueDetailDialog';
import { JiraContent } from './JiraContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const run = {
  runId: 'r-77',
  entityRef: 'component:default/payments-api',
  pipeline: 'payments-ci',
  runNumber: 77,
  status: 'failed',
  path: '/pipelines/runs/r-77',
  updatedAt: '2026-11-20T11:00:00.000Z',
};

function seeded() {
  const backend = new FakeJiraBackend();
  backend.add({
    key: 'PAY-1',
    summary: 'Refunds round down',
    labels: ['money', 'flaky'],
    components: ['payments-api'],
    fixVersions: ['1.5.0'],
    descriptionMarkdown: 'Steps',
    // What got past the backend is dropped again
    descriptionHtml:
      '<h2>Steps</h2><p>Refund <strong>0.05</strong> <a href="https://ledger.example.com/r/1">ledger</a> <a href="javascript:alert(1)">bad link</a></p><script>window.hacked = true</script><p><img src="x" onerror="window.hacked = true">after image</p><ol start="3"><li>third step</li></ol><p><a href="not a url">plain</a> <marquee>moving</marquee></p><pre><code class="language-ts">const a = 1;\n\nconst b = 2;</code></pre>',
    comments: [
      {
        id: '900',
        author: { id: 'acc-ada', displayName: 'Ada Lovelace' },
        bodyMarkdown: 'Seen on **staging** too',
        created: '2026-11-20T10:00:00.000Z',
      },
    ],
  });
  backend.add({
    key: 'PAY-2',
    summary: 'Ledger export times out',
    status: { name: 'To Do', category: 'new' },
    assignee: undefined,
  });
  backend.linkedRuns = { 'PAY-1': run };
  return backend;
}

function renderTab(
  backend: FakeJiraBackend,
  options: { entity?: ReturnType<typeof entityWith>; apis?: any[] } = {},
) {
  return renderInTestApp(
    <TestApiProvider
      apis={[[jiraApiRef, backend.api], ...(options.apis ?? [])]}
    >
      <EntityProvider entity={options.entity ?? entity}>
        <JiraContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

async function openIssue(summary: string) {
  await userEvent.click(await screen.findByRole('button', { name: summary }));
  return screen.findByRole('dialog', { name: new RegExp(summary) });
}

/** The value shown for a field in the dialog's field list. */
function fieldValue(dialog: HTMLElement, name: string) {
  const term = within(dialog)
    .getAllByRole('term')
    .find(t => t.textContent === name)!;
  return term.nextElementSibling as HTMLElement;
}

describe('Issue detail dialog', () => {
  it('opens from the table with the keyboard, shows the issue, and closes on Escape', async () => {
    const backend = seeded();
    await renderTab(backend);
    await screen.findByRole('button', { name: 'Refunds round down' });
    await userEvent.click(screen.getByRole('textbox', { name: 'JQL' }));
    await userEvent.tab();
    const key = screen.getByRole('button', { name: 'PAY-1' });
    expect(key).toHaveFocus();
    expect(key).toHaveAttribute('aria-haspopup', 'dialog');
    // The Jira link stays a link of its own, next in the tab order
    await userEvent.tab();
    expect(
      screen.getByRole('link', { name: 'PAY-1 in Jira (opens in a new tab)' }),
    ).toHaveFocus();
    await userEvent.tab({ shift: true });
    await userEvent.keyboard('{Enter}');

    const dialog = await screen.findByRole('dialog', {
      name: 'PAY-1: Refunds round down',
    });
    expect(backend.requests.map(r => `${r.method} ${r.path}`)).toContain(
      'GET issues/PAY-1',
    );
    expect(
      backend.requests
        .find(r => r.path === 'issues/PAY-1')!
        .query.get('entityRef'),
    ).toBe('component:default/payments-api');
    expect(fieldValue(dialog, 'Status')).toHaveTextContent('In Progress');
    expect(fieldValue(dialog, 'Type')).toHaveTextContent('Bug');
    expect(fieldValue(dialog, 'Assignee')).toHaveTextContent('Ada Lovelace');
    expect(fieldValue(dialog, 'Labels')).toHaveTextContent('money, flaky');
    expect(fieldValue(dialog, 'Components')).toHaveTextContent('payments-api');
    expect(fieldValue(dialog, 'Fix versions')).toHaveTextContent('1.5.0');
    const runLink = within(fieldValue(dialog, 'Latest run')).getByRole('link', {
      name: 'payments-ci #77',
    });
    expect(runLink).toHaveAttribute('href', '/pipelines/runs/r-77');

    // The description: its own markup, safe links only, nothing that runs
    const description = within(dialog).getByRole('region', {
      name: 'Description',
    });
    expect(
      within(description).getByRole('heading', { name: 'Steps' }),
    ).toBeInTheDocument();
    expect(within(description).getByText('0.05').tagName).toBe('STRONG');
    expect(
      within(description).getByRole('link', { name: 'ledger' }),
    ).toHaveAttribute('href', 'https://ledger.example.com/r/1');
    expect(within(description).getByText('bad link').tagName).toBe('SPAN');
    expect(
      within(description).queryByRole('link', { name: 'bad link' }),
    ).toBeNull();
    expect(description.querySelector('script, img, [onerror]')).toBeNull();
    expect(within(description).getByText('after image')).toBeInTheDocument();
    expect(description.querySelector('ol')).toHaveAttribute('start', '3');
    expect(within(description).getByText('plain').tagName).toBe('SPAN');
    expect(within(description).getByText('moving').tagName).toBe('SPAN');
    expect(description.querySelector('pre code')).toHaveClass('language-ts');
    expect(description.querySelector('pre code')).toHaveTextContent(
      'const a = 1; const b = 2;',
    );
    expect((window as any).hacked).toBeUndefined();

    const comments = within(dialog).getByRole('region', {
      name: 'Latest comments',
    });
    expect(within(comments).getByText(/Ada Lovelace/)).toBeInTheDocument();
    expect((await within(comments).findByText('staging')).tagName).toBe(
      'STRONG',
    );
    expect(
      within(dialog).getByRole('link', {
        name: 'Open PAY-1 in Jira (new tab)',
      }),
    ).toHaveAttribute('href', 'https://jira.example.com/browse/PAY-1');

    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole('button', { name: 'PAY-1' })).toHaveFocus();
  });

  it('applies a transition, then shows the new status in the dialog and the table', async () => {
    const backend = seeded();
    await renderTab(backend);
    const dialog = await openIssue('Refunds round down');
    const apply = await within(dialog).findByRole('button', { name: 'Apply' });
    expect(apply).toBeDisabled();
    await pick(/^Transition/, ['Done']);
    expect(
      within(dialog).getByRole('button', { name: /^Transition/ }),
    ).toHaveTextContent('Done');
    await userEvent.click(apply);

    expect(
      await within(dialog).findByText('Moved PAY-1 to Done'),
    ).toBeInTheDocument();
    const [write] = backend.writes();
    expect(write).toMatchObject({
      method: 'POST',
      path: 'issues/PAY-1/transitions',
      contentType: 'application/json',
      json: { transition: '21' },
    });
    expect(write.query.get('entityRef')).toBe('component:default/payments-api');
    await waitFor(() =>
      expect(fieldValue(dialog, 'Status')).toHaveTextContent('Done'),
    );
    // The transitions out of Done are offered now
    await userEvent.click(
      within(dialog).getByRole('button', { name: /^Transition/ }),
    );
    expect(
      await screen.findByRole('option', { name: 'Reopen (to To Do)' }),
    ).toBeInTheDocument();
    fireEvent.keyDown(screen.getByRole('listbox'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('listbox')).toBeNull());

    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const row = screen
      .getByRole('button', { name: 'Refunds round down' })
      .closest('tr')!;
    await waitFor(() =>
      expect(within(row).getByText('Done')).toHaveAttribute(
        'class',
        expect.stringContaining('MuiChip-label'),
      ),
    );
  });

  it('posts a comment in Markdown and lists it', async () => {
    const backend = seeded();
    await renderTab(backend);
    const dialog = await openIssue('Refunds round down');
    const comment = await within(dialog).findByRole('textbox', {
      name: 'Comment',
    });
    expect(comment).toHaveAccessibleDescription(
      'Markdown; Ctrl+Enter adds the comment',
    );
    await userEvent.type(
      comment,
      'Fixed in **1.5.1**{Control>}{Enter}{/Control}',
    );

    expect(
      await within(dialog).findByText('Comment added to PAY-1'),
    ).toBeInTheDocument();
    expect(backend.writes()).toMatchObject([
      {
        method: 'POST',
        path: 'issues/PAY-1/comments',
        json: { body: 'Fixed in **1.5.1**' },
      },
    ]);
    expect(comment).toHaveValue('');
    const comments = within(dialog).getByRole('region', {
      name: 'Latest comments',
    });
    expect((await within(comments).findByText('1.5.1')).tagName).toBe('STRONG');
    expect(within(comments).getByText(/Grace Hopper/)).toBeInTheDocument();
  });

  it('uploads an attachment and names the file', async () => {
    const backend = seeded();
    await renderTab(backend);
    const dialog = await openIssue('Refunds round down');
    const input = await within(dialog).findByLabelText('File');
    const attach = within(dialog).getByRole('button', { name: 'Attach' });
    expect(attach).toBeDisabled();
    await userEvent.upload(
      input,
      new File(['boom at line 3'], 'trace.log', { type: 'text/plain' }),
    );
    expect(input).toHaveAccessibleDescription('trace.log, 14 B');
    await userEvent.click(attach);

    expect(
      await within(dialog).findByText('Attached trace.log (14 B)'),
    ).toBeInTheDocument();
    const [write] = backend.writes();
    expect(write).toMatchObject({
      method: 'POST',
      path: 'issues/PAY-1/attachments',
      contentType: 'application/octet-stream',
      text: 'boom at line 3',
    });
    expect(write.query.get('filename')).toBe('trace.log');
    await waitFor(() => expect(input).toHaveFocus());
    expect(attach).toBeDisabled();
  });

  it("shows the backend's message when a write is refused, and the field it names", async () => {
    const backend = seeded();
    await renderTab(backend);
    const dialog = await openIssue('Refunds round down');

    backend.failNext('POST', /transitions$/, 403, {
      name: 'NotAllowedError',
      message:
        'You are not allowed to jira.issue.update on component:default/payments-api',
    });
    await within(dialog).findByRole('button', { name: 'Apply' });
    await pick(/^Transition/, ['Done']);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Apply' }),
    );
    const refused = await within(dialog).findByRole('alert');
    expect(refused).toHaveTextContent(
      'You are not allowed to jira.issue.update on component:default/payments-api',
    );
    expect(fieldValue(dialog, 'Status')).toHaveTextContent('In Progress');

    backend.failNext('POST', /comments$/, 400, {
      name: 'InputError',
      message:
        'Invalid body field "body": String must contain at most 32000 character(s)',
    });
    const comment = within(dialog).getByRole('textbox', { name: 'Comment' });
    await userEvent.type(comment, 'Too long');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Add comment' }),
    );
    await waitFor(() =>
      expect(comment).toHaveAccessibleDescription(
        'String must contain at most 32000 character(s)',
      ),
    );
    expect(comment).toHaveAttribute('aria-invalid', 'true');
    expect(comment).toHaveValue('Too long');
    expect(
      within(dialog).getByText(
        'Invalid body field "body": String must contain at most 32000 character(s)',
      ),
    ).toBeInTheDocument();

    // The backend's own check on an empty file, named next to the file
    const input = within(dialog).getByLabelText('File');
    await userEvent.upload(input, new File([], 'empty.txt'));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Attach' }),
    );
    expect(
      await within(dialog).findByText('The attachment is empty'),
    ).toBeInTheDocument();
    backend.failNext('POST', /attachments$/, 400, {
      name: 'InputError',
      message: 'filename: a file name without "/" or "\\" is required',
    });
    await userEvent.upload(input, new File(['x'], 'a.txt'));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Attach' }),
    );
    await waitFor(() =>
      expect(input).toHaveAccessibleDescription(
        'a file name without "/" or "\\" is required',
      ),
    );
    expect(input).toHaveAttribute('aria-invalid', 'true');
    // Nothing was changed, so nothing was loaded again
    expect(backend.requests.filter(r => r.path === 'issues/PAY-1').length).toBe(
      1,
    );
  });

  it("shows Jira's refusal of a transition that is no longer allowed", async () => {
    const backend = seeded();
    await renderTab(backend);
    const dialog = await openIssue('Refunds round down');
    await within(dialog).findByRole('button', { name: 'Apply' });
    await pick(/^Transition/, ['Stop progress (to To Do)']);
    // Someone moved the issue in Jira meanwhile
    backend.issues.get('PAY-1')!.status = {
      name: 'Done',
      category: 'done',
    };
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Apply' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'issue PAY-1 cannot take the transition "31" now',
    );
    expect(backend.writes()).toMatchObject([
      { path: 'issues/PAY-1/transitions', json: { transition: '31' } },
    ]);
  });

  it('checks what it can before sending: an empty comment, a file too large', async () => {
    const backend = seeded();
    await renderTab(backend);
    const dialog = await openIssue('Refunds round down');
    await userEvent.click(
      await within(dialog).findByRole('button', { name: 'Add comment' }),
    );
    expect(
      within(dialog).getByRole('textbox', { name: 'Comment' }),
    ).toHaveAccessibleDescription('The comment is empty');
    expect(
      within(dialog).getByText('Write a comment first'),
    ).toBeInTheDocument();

    const big = new File(['x'], 'dump.bin');
    Object.defineProperty(big, 'size', { value: MAX_ATTACHMENT_BYTES + 1 });
    await userEvent.upload(within(dialog).getByLabelText('File'), big);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Attach' }),
    );
    expect(
      await within(dialog).findByText(
        'dump.bin is 10.0 MB; Comet forwards files up to 10.0 MB to Jira',
      ),
    ).toBeInTheDocument();
    expect(backend.writes()).toEqual([]);
  });

  it('says when no transition is open, and when the issue cannot be read', async () => {
    const backend = seeded();
    backend.issues.get('PAY-2')!.status = { name: 'Blocked', category: 'new' };
    await renderTab(backend);
    const dialog = await openIssue('Ledger export times out');
    expect(
      await within(dialog).findByText(
        'No transition is open to you from this status.',
      ),
    ).toBeInTheDocument();
    expect(fieldValue(dialog, 'Assignee')).toHaveTextContent('Unassigned');
    expect(fieldValue(dialog, 'Labels')).toHaveTextContent('–');
    expect(fieldValue(dialog, 'Latest run')).toHaveTextContent('None');
    expect(within(dialog).getByText('No description')).toBeInTheDocument();
    expect(within(dialog).getByText('No comments')).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    backend.failNext('GET', /^issues\/PAY-1\/transitions$/, 502, {
      name: 'JiraError',
      message: 'Jira instance "default" answered 503 to GET transitions',
    });
    const noTransitions = await openIssue('Refunds round down');
    expect(
      await within(noTransitions).findByText(
        'Jira instance "default" answered 503 to GET transitions',
      ),
    ).toBeInTheDocument();
    expect(
      within(noTransitions).getByText('The transitions cannot be listed'),
    ).toBeInTheDocument();
    // Comments and attachments do not depend on the transitions
    expect(
      within(noTransitions).getByRole('textbox', { name: 'Comment' }),
    ).toBeInTheDocument();
    await userEvent.click(
      within(noTransitions).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    // Gone from Jira since the table was loaded
    backend.issues.delete('PAY-1');
    const failed = await openIssue('PAY-1');
    expect(
      await within(failed).findByText('Issue PAY-1 was not found'),
    ).toBeInTheDocument();
    expect(
      within(failed).getByText('PAY-1 cannot be shown'),
    ).toBeInTheDocument();
  });

  it('offers no writes without jira.issue.update on the entity', async () => {
    const backend = seeded();
    const asked: string[] = [];
    await renderTab(backend, {
      // An entity of its own: usePermission caches answers per entity across tests
      entity: entityWith({ 'jira/project-key': 'PAY' }, 'read-only-api'),
      apis: [
        [
          permissionApiRef,
          mockApis.permission.mock({
            authorize: async request => {
              asked.push(`${request.permission.name} ${request.resourceRef}`);
              return {
                result: (request.permission.name === 'jira.issue.update'
                  ? 'DENY'
                  : 'ALLOW') as any,
              };
            },
          }),
        ],
      ],
    });
    const dialog = await openIssue('Refunds round down');
    await within(dialog).findByRole('region', { name: 'Description' });
    await waitFor(() =>
      expect(asked).toContain(
        'jira.issue.update component:default/read-only-api',
      ),
    );
    expect(within(dialog).queryByRole('button', { name: 'Apply' })).toBeNull();
    expect(
      within(dialog).queryByRole('textbox', { name: 'Comment' }),
    ).toBeNull();
    expect(within(dialog).queryByLabelText('File')).toBeNull();
  });
});

describe('Latest run column', () => {
  it('links the latest run with its status, and leaves the cell empty without one', async () => {
    const backend = seeded();
    backend.linkedRuns = {
      'PAY-1': run,
      'PAY-3': { ...run, runId: 'r-79', runNumber: 79, status: 'cancelled' },
      'PAY-2': {
        ...run,
        runId: 'r-78',
        runNumber: 78,
        status: 'running',
        path: '/pipelines/runs/r-78',
      },
    };
    backend.add({ key: 'PAY-3', summary: 'Cancelled run' });
    backend.add({ key: 'PAY-4', summary: 'No run named me' });
    await renderTab(backend);
    const table = await screen.findByRole('table', { name: 'Jira issues' });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map(h => h.textContent);
    expect(headers).toContain('Latest run');
    const column = headers.indexOf('Latest run');
    const cell = (summary: string) =>
      within(
        screen.getByRole('button', { name: summary }).closest('tr')!,
      ).getAllByRole('cell')[column];

    const failed = cell('Refunds round down');
    expect(
      within(failed).getByRole('link', { name: 'payments-ci #77' }),
    ).toHaveAttribute('href', '/pipelines/runs/r-77');
    expect(failed.querySelector('[data-status]')).toHaveAttribute(
      'data-status',
      'failed',
    );
    expect(failed).toHaveTextContent('payments-ci #77failed');
    expect(
      within(cell('Ledger export times out')).getByRole('link', {
        name: 'payments-ci #78',
      }),
    ).toHaveAttribute('href', '/pipelines/runs/r-78');
    expect(
      cell('Cancelled run').querySelector('[data-status]'),
    ).toHaveTextContent('cancelled');
    const none = cell('No run named me');
    expect(none).toBeEmptyDOMElement();
  });

  it('shows no runs when the backend answers without linkedRuns', async () => {
    const backend = seeded();
    backend.linkedRuns = undefined;
    await renderTab(backend);
    await screen.findByRole('button', { name: 'Refunds round down' });
    expect(screen.queryByRole('link', { name: /payments-ci/ })).toBeNull();
    expect(
      screen.getByRole('columnheader', { name: 'Latest run' }),
    ).toBeInTheDocument();
  });
});
