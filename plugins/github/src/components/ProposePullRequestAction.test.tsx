import type { Entity } from '@backstage/catalog-model';
import { githubAuthApiRef } from '@backstage/frontend-plugin-api';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type {
  EditorActionProps,
  PipelineEditorFile,
} from '@internal/plugin-pipelines-react';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GitHubApi, gitHubApiRef } from '../api';
import {
  apiError,
  entity,
  entityWith,
  mockApi,
} from '../__testUtils__/fixtures';
import {
  defaultTitle,
  ProposePullRequestAction,
  proposalErrorTitle,
} from './ProposePullRequestAction';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

const entityRef = 'component:default/payments-api';
const edited = 'name: ci\njobs:\n  build:\n    steps:\n      - run: make all\n';
const saved = 'name: ci\njobs:\n  build:\n    steps:\n      - run: make\n';

const files: PipelineEditorFile[] = [
  {
    path: '.comet/pipeline.yaml',
    content: edited,
    savedContent: saved,
    changed: true,
    valid: true,
  },
  {
    path: '.comet/nightly.yaml',
    content: 'name: nightly\n',
    savedContent: 'name: nightly\n',
    changed: false,
    valid: true,
  },
];

/** Rendered, with the test app settled: clicks then never meet its lazy parts loading. */
async function renderAction(
  props: Partial<EditorActionProps> = {},
  options: {
    api?: GitHubApi;
    entities?: Entity[];
    permission?: 'ALLOW' | 'DENY';
    /** The user's GitHub sign-in: the tokens getAccessToken answers, in turn. */
    githubTokens?: Array<string | undefined>;
  } = {},
) {
  const tokens = [...(options.githubTokens ?? [undefined])];
  const githubAuth = {
    getAccessToken: jest.fn(async () =>
      tokens.length > 1 ? tokens.shift() : tokens[0],
    ),
  };
  const api = options.api ?? mockApi();
  const asked: string[] = [];
  const catalogApi = catalogApiMock.mock({
    getEntityByRef: jest.fn(async (ref: any) =>
      (options.entities ?? [entity]).find(
        e => `component:default/${e.metadata.name}` === ref,
      ),
    ),
  });
  const rendered = await renderInTestApp(
    <TestApiProvider
      apis={[
        [gitHubApiRef, api],
        [catalogApiRef, catalogApi],
        [githubAuthApiRef, githubAuth as any],
        [
          permissionApiRef,
          mockApis.permission.mock({
            authorize: async request => {
              asked.push(`${request.permission.name} ${request.resourceRef}`);
              return { result: (options.permission ?? 'ALLOW') as any };
            },
          }),
        ],
      ]}
    >
      <ProposePullRequestAction
        entityRef={props.entityRef ?? entityRef}
        files={props.files ?? files}
        canCreateRuns={'canCreateRuns' in props ? props.canCreateRuns : true}
        openInEditor={() => {}}
      />
    </TestApiProvider>,
  );
  return { api, catalogApi, asked, rendered, githubAuth };
}

async function openDialog() {
  await userEvent.click(
    await screen.findByRole('button', { name: 'Propose as pull request' }),
  );
  return screen.findByRole('dialog', { name: 'Propose as pull request' });
}

describe('Propose as pull request', () => {
  it('proposes the changed files only, then links the pull request', async () => {
    let answer: (value: unknown) => void = () => {};
    const api = mockApi({
      createPullRequest: jest.fn(
        () =>
          new Promise(resolve => {
            answer = resolve;
          }) as any,
      ),
    });
    await renderAction({}, { api });
    const dialog = await openDialog();
    const listed = within(
      within(dialog).getByRole('list', { name: 'Files that will change' }),
    ).getAllByRole('listitem');
    expect(listed.map(item => item.textContent)).toEqual([
      '.comet/pipeline.yaml',
    ]);
    expect(dialog).toHaveTextContent('comet-examples/payments-api');
    const title = within(dialog).getByRole('textbox', { name: /^Title/ });
    expect(title).toHaveValue('Update .comet/pipeline.yaml');
    await userEvent.clear(title);
    await userEvent.type(title, 'Build everything');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /^Description/ }),
      'Runs make all.',
    );
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /^Commit message/ }),
      'Build all targets',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Open pull request' }),
    );
    // While GitHub works: the button says so and cannot be pressed twice
    expect(
      await within(dialog).findByRole('button', {
        name: 'Opening the pull request…',
      }),
    ).toBeDisabled();
    expect(api.createPullRequest).toHaveBeenCalledWith(entityRef, {
      title: 'Build everything',
      body: 'Runs make all.',
      message: 'Build all targets',
      files: { '.comet/pipeline.yaml': edited },
    });
    answer({
      number: 8,
      htmlUrl: 'https://github.com/comet-examples/payments-api/pull/8',
      branch: 'comet/build-everything-a1b2c3',
    });
    const link = await within(dialog).findByRole('link', {
      name: /^#8 Build everything/,
    });
    expect(link).toHaveAttribute(
      'href',
      'https://github.com/comet-examples/payments-api/pull/8',
    );
    expect(
      within(dialog).getByText('comet/build-everything-a1b2c3'),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('needs a title, leaves out an empty description and message, and works from the keyboard', async () => {
    const api = mockApi({
      createPullRequest: jest.fn(async () => ({
        number: 9,
        htmlUrl: 'https://github.com/comet-examples/payments-api/pull/9',
        branch: 'comet/x-000000',
      })),
    });
    const twoChanged = files.map(f => ({ ...f, changed: true }));
    await renderAction({ files: twoChanged }, { api });
    const button = await screen.findByRole('button', {
      name: 'Propose as pull request',
    });
    button.focus();
    await userEvent.keyboard('{Enter}');
    const dialog = await screen.findByRole('dialog', {
      name: 'Propose as pull request',
    });
    const title = within(dialog).getByRole('textbox', { name: /^Title/ });
    expect(title).toHaveValue('Update the pipelines of payments-api');
    await userEvent.clear(title);
    expect(
      within(dialog).getByText('A pull request needs a title'),
    ).toBeInTheDocument();
    const submit = within(dialog).getByRole('button', {
      name: 'Open pull request',
    });
    expect(submit).toBeDisabled();
    await userEvent.click(title);
    await userEvent.paste('x'.repeat(257));
    expect(
      within(dialog).getByText('At most 256 characters (now 257)'),
    ).toBeInTheDocument();
    await userEvent.type(title, '{Backspace}');
    // Enter in the title submits the form
    await userEvent.type(title, '{Enter}');
    await waitFor(() =>
      expect(api.createPullRequest).toHaveBeenCalledWith(entityRef, {
        title: 'x'.repeat(256),
        body: undefined,
        message: undefined,
        files: {
          '.comet/pipeline.yaml': edited,
          '.comet/nightly.yaml': 'name: nightly\n',
        },
      }),
    );
    expect(
      await within(dialog).findByRole('link', { name: /^#9 / }),
    ).toBeInTheDocument();
  });

  it('opens it as the user with their GitHub sign-in, when they choose to', async () => {
    const api = mockApi({
      createPullRequest: jest.fn(async () => ({
        number: 10,
        htmlUrl: 'https://github.com/comet-examples/payments-api/pull/10',
        branch: 'comet/update-comet-pipeline-yaml-abcdef',
        author: 'user' as const,
      })),
    });
    const { githubAuth } = await renderAction(
      {},
      { api, githubTokens: ['gho_alice'] },
    );
    const dialog = await openDialog();
    const asMe = await within(dialog).findByRole('checkbox', {
      name: /Open it as me, with my GitHub sign-in/,
    });
    // Asked without a popup: opening the dialog never sends anyone to sign in
    expect(githubAuth.getAccessToken).toHaveBeenCalledWith(['repo'], {
      optional: true,
    });
    expect(asMe).not.toBeChecked();
    await userEvent.click(asMe);
    expect(
      within(dialog).queryByText(/A Proposed-by line naming you is added/),
    ).toBeNull();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Open pull request' }),
    );
    await waitFor(() =>
      expect(api.createPullRequest).toHaveBeenCalledWith(
        entityRef,
        {
          title: 'Update .comet/pipeline.yaml',
          body: undefined,
          message: undefined,
          files: { '.comet/pipeline.yaml': edited },
        },
        { userToken: 'gho_alice' },
      ),
    );
    expect(await within(dialog).findByRole('status')).toHaveTextContent(
      'Opened pull request #10 Update .comet/pipeline.yaml, Opens in a new window on comet-examples/payments-api, as you.',
    );
  });

  it('says so when the GitHub sign-in ended before sending, and sends nothing', async () => {
    const { api } = await renderAction(
      {},
      { githubTokens: ['gho_alice', undefined] },
    );
    const dialog = await openDialog();
    await userEvent.click(
      await within(dialog).findByRole('checkbox', { name: /Open it as me/ }),
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Open pull request' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Your GitHub sign-in has ended: sign in with GitHub again, or let Comet open the pull request',
    );
    expect(api.createPullRequest).not.toHaveBeenCalled();
  });

  it('offers no choice without a GitHub sign-in, and says Comet opened it', async () => {
    const api = mockApi({
      createPullRequest: jest.fn(async () => ({
        number: 11,
        htmlUrl: 'https://github.com/comet-examples/payments-api/pull/11',
        branch: 'comet/x-000000',
        author: 'integration' as const,
      })),
    });
    const { githubAuth } = await renderAction({}, { api });
    const dialog = await openDialog();
    await waitFor(() => expect(githubAuth.getAccessToken).toHaveBeenCalled());
    expect(within(dialog).queryByRole('checkbox')).toBeNull();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Open pull request' }),
    );
    expect(await within(dialog).findByRole('status')).toHaveTextContent(
      'Comet opened it, and its commit names you as the proposer',
    );
  });

  it('says what a file not read from the repository or with problems means', async () => {
    await renderAction({
      files: [
        {
          path: '.comet/pipeline.yaml',
          content: 'name: x\n',
          changed: true,
          valid: false,
        },
      ],
    });
    const dialog = await openDialog();
    expect(
      within(dialog).getByRole('list', { name: 'Files that will change' }),
    ).toHaveTextContent(
      '.comet/pipeline.yaml: not read from the repository, the pull request writes it whole (has problems the editor lists: its pipeline will not run until they are fixed)',
    );
  });

  it('offers nothing to submit while the files equal the repository', async () => {
    await renderAction({ files: [{ ...files[1] }] });
    const dialog = await openDialog();
    expect(within(dialog).getByText('Nothing to propose')).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Open pull request' }),
    ).toBeDisabled();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it.each([
    [
      403,
      'NotAllowedError',
      'The repository github.com/comet-examples/payments-api is outside the resource scopes of group:default/payments-team (comet.resourceScopes.payments-team.github)',
      'Not allowed to propose this change',
    ],
    [
      503,
      'ServiceUnavailableError',
      'GitHub is not configured: set integrations.github in app-config.yaml',
      'GitHub is not configured',
    ],
    [
      400,
      'InputError',
      'The path "ci.yaml" is not one of component:default/payments-api\'s pipeline files: only the paths its annotation comet.dev/pipelines names may be changed (.comet/pipeline.yaml)',
      'GitHub cannot take this change',
    ],
    [
      404,
      'NotFoundError',
      'component:default/payments-api has no GitHub repository: add the annotation github.com/project-slug (owner/repo) to it',
      'No GitHub repository for this entity',
    ],
    [
      500,
      'Error',
      'GitHub answered 502 Bad Gateway',
      'The pull request could not be opened',
    ],
  ])(
    'shows a %s in the dialog with the backend message, and can try again',
    async (status, name, message, title) => {
      const error = await apiError(status, name, message);
      const api = mockApi({
        createPullRequest: jest.fn(async () => {
          throw error;
        }),
      });
      await renderAction({}, { api });
      const dialog = await openDialog();
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Open pull request' }),
      );
      const alert = await within(dialog).findByRole('alert');
      expect(alert).toHaveTextContent(title);
      expect(alert).toHaveTextContent(message);
      // The form stays, to fix and send again
      expect(
        within(dialog).getByRole('button', { name: 'Open pull request' }),
      ).toBeEnabled();
    },
  );

  it('is hidden for an entity without github.com/project-slug', async () => {
    const { catalogApi } = await renderAction(
      {},
      { entities: [entityWith({ 'comet.dev/pipelines': 'ci.yaml' })] },
    );
    await waitFor(() =>
      expect(catalogApi.getEntityByRef).toHaveBeenCalledWith(entityRef),
    );
    expect(
      screen.queryByRole('button', { name: 'Propose as pull request' }),
    ).toBeNull();
  });

  it('is hidden without github.pullRequest.create on the entity', async () => {
    const locked = {
      ...entity,
      metadata: { ...entity.metadata, name: 'locked-api' },
    };
    const { asked } = await renderAction(
      { entityRef: 'component:default/locked-api' },
      { entities: [locked], permission: 'DENY' },
    );
    await waitFor(() =>
      expect(asked).toContain(
        'github.pullRequest.create component:default/locked-api',
      ),
    );
    expect(
      screen.queryByRole('button', { name: 'Propose as pull request' }),
    ).toBeNull();
  });

  it("is hidden when the editor says the user may not change the entity's pipelines", async () => {
    const { catalogApi } = await renderAction({ canCreateRuns: false });
    await waitFor(() => expect(catalogApi.getEntityByRef).toHaveBeenCalled());
    expect(
      screen.queryByRole('button', { name: 'Propose as pull request' }),
    ).toBeNull();
  });
});

describe('proposal texts', () => {
  it('titles an unknown failure plainly and suggests a title per change', () => {
    expect(proposalErrorTitle(new Error('offline'))).toBe(
      'The pull request could not be opened',
    );
    expect(defaultTitle('Payments API', [files[0]])).toBe(
      'Update .comet/pipeline.yaml',
    );
    expect(defaultTitle('Payments API', files)).toBe(
      'Update the pipelines of Payments API',
    );
  });
});
