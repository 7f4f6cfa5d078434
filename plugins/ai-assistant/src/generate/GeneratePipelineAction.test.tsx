import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { SWRConfig } from 'swr';
import type {
  AiGeneratedPipeline,
  AiGeneratePipelineRequest,
} from '@internal/plugin-ai-assistant-common';
import type {
  EditorActionProps,
  PipelineEditorFile,
} from '@internal/plugin-pipelines-react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  GeneratePipelineAction,
  newPipelinePath,
} from './GeneratePipelineAction';
import {
  type PipelineGenerationApi,
  PipelineGenerationApiError,
  pipelineGenerationApiRef,
} from './pipelineApi';

jest.setTimeout(30_000);

const entityRef = 'component:default/payments-api';
const current: PipelineEditorFile = {
  path: '.comet/pipeline.yaml',
  content: 'name: ci\njobs:\n  build:\n    steps:\n      - run: make\n',
  savedContent: 'name: ci\njobs:\n  build:\n    steps:\n      - run: make\n',
  changed: false,
  valid: true,
};
const GENERATED =
  'name: ci\njobs:\n  build:\n    steps:\n      - run: npm ci\n';

function result(overrides: Partial<AiGeneratedPipeline> = {}) {
  return {
    path: '.comet/pipeline.yaml',
    content: GENERATED,
    valid: true,
    attempts: 2,
    problems: [],
    model: 'gpt-test',
    ...overrides,
  };
}

/** A backend answer the test releases when it wants to. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function renderAction(
  options: {
    generate?: PipelineGenerationApi['generatePipeline'];
    files?: PipelineEditorFile[];
    allowed?: boolean;
  } = {},
) {
  const requests: AiGeneratePipelineRequest[] = [];
  const api: PipelineGenerationApi = {
    generatePipeline: async request => {
      requests.push(request);
      return options.generate ? options.generate(request) : result();
    },
  };
  const openInEditor = jest.fn<
    void,
    Parameters<EditorActionProps['openInEditor']>
  >();
  const asked: string[] = [];
  await renderInTestApp(
    // usePermission caches answers by permission in SWR's global cache: each test gets its
    // own, so a test's DENY is not answered with an earlier test's ALLOW
    <SWRConfig value={{ provider: () => new Map() }}>
      <GeneratePipelineAction
        entityRef={entityRef}
        files={options.files ?? [current]}
        canCreateRuns
        openInEditor={openInEditor}
      />
    </SWRConfig>,
    {
      apis: [
        [pipelineGenerationApiRef, api],
        [
          permissionApiRef,
          mockApis.permission.mock({
            authorize: async request => {
              asked.push(request.permission.name);
              return {
                result: (options.allowed === false ? 'DENY' : 'ALLOW') as any,
              };
            },
          }),
        ],
      ],
    },
  );
  return { requests, openInEditor, asked };
}

describe('GeneratePipelineAction', () => {
  it('modifies the current file, shows progress and the result, and opens it in the editor', async () => {
    const answer = deferred<AiGeneratedPipeline>();
    const { requests, openInEditor } = await renderAction({
      generate: () => answer.promise,
    });
    const user = userEvent.setup();
    await user.click(
      await screen.findByRole('button', { name: 'Generate with AI' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Generate a pipeline with AI',
    });
    // The description has the focus; the current file is the default
    const description = within(dialog).getByRole('textbox', {
      name: /Describe the pipeline/,
    });
    expect(description).toHaveFocus();
    expect(
      within(dialog).getByRole('radio', {
        name: 'Modify the current file (.comet/pipeline.yaml)',
      }),
    ).toBeChecked();
    await user.type(description, 'Use npm ci to build');
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));

    expect(
      await within(dialog).findByRole('progressbar', {
        name: 'Generating the pipeline',
      }),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Generate' }),
    ).toBeDisabled();
    expect(requests).toEqual([
      {
        description: 'Use npm ci to build',
        entityRef,
        path: '.comet/pipeline.yaml',
        currentContent: current.content,
      },
    ]);

    answer.resolve(result());
    expect(
      await within(dialog).findByText(
        'Valid pipeline for .comet/pipeline.yaml',
      ),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(/accepted it after 2 attempts \(gpt-test\)/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('textbox', { name: 'Generated pipeline' }),
    ).toHaveValue(GENERATED);
    expect(within(dialog).queryByRole('progressbar')).not.toBeInTheDocument();

    await user.click(
      within(dialog).getByRole('button', { name: 'Open in editor' }),
    );
    expect(openInEditor).toHaveBeenCalledWith({
      path: '.comet/pipeline.yaml',
      content: GENERATED,
    });
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('writes a new file at a free path, and shows the problems that remain', async () => {
    const { requests, openInEditor } = await renderAction({
      generate: async request =>
        result({
          path: request.path!,
          valid: false,
          attempts: 4,
          problems: [
            {
              message: 'Unknown job "compile"',
              path: 'jobs.test.needs',
              line: 10,
              column: 12,
            },
          ],
        }),
    });
    const user = userEvent.setup();
    await user.click(
      await screen.findByRole('button', { name: 'Generate with AI' }),
    );
    const dialog = await screen.findByRole('dialog');
    await user.type(
      within(dialog).getByRole('textbox', { name: /Describe the pipeline/ }),
      'Nightly tests',
    );
    await user.click(within(dialog).getByRole('radio', { name: 'A new file' }));
    const path = within(dialog).getByRole('textbox', { name: 'File path' });
    // .comet/pipeline.yaml is taken: the next free name
    expect(path).toHaveValue('.comet/generated.yaml');

    // A path outside the repository is refused before anything is asked
    await user.clear(path);
    await user.type(path, '../secrets.yaml');
    expect(
      within(dialog).getByText(
        /A relative path in the repository ending in \.yaml/,
      ),
    ).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    expect(requests).toHaveLength(0);

    // Enter in the path field submits, from the keyboard
    await user.clear(path);
    await user.type(path, '.comet/nightly.yaml{Enter}');
    expect(
      await within(dialog).findByText(
        'Not valid yet: 1 problem remain in .comet/nightly.yaml',
      ),
    ).toBeInTheDocument();
    expect(requests).toEqual([
      { description: 'Nightly tests', entityRef, path: '.comet/nightly.yaml' },
    ]);
    expect(
      within(
        within(dialog).getByRole('list', { name: 'Remaining problems' }),
      ).getByRole('listitem'),
    ).toHaveTextContent(
      '.comet/nightly.yaml:10:12: Unknown job "compile" (at jobs.test.needs)',
    );
    expect(
      within(dialog).getByText(/could not fix them in 4 attempts/),
    ).toBeInTheDocument();

    // Back to the form, the description kept
    await user.click(
      within(dialog).getByRole('button', { name: 'Change the description' }),
    );
    expect(
      within(dialog).getByRole('textbox', { name: /Describe the pipeline/ }),
    ).toHaveValue('Nightly tests');
    expect(
      within(dialog).getByRole('textbox', { name: /Describe the pipeline/ }),
    ).toHaveFocus();
    expect(openInEditor).not.toHaveBeenCalled();
  });

  it("shows the backend's message when it cannot generate, and lets the user try again", async () => {
    let calls = 0;
    const { requests } = await renderAction({
      generate: async () => {
        calls += 1;
        if (calls === 1) {
          throw new PipelineGenerationApiError(
            'The AI assistant has no model provider: set aiAssistant.provider.baseUrl, aiAssistant.provider.apiKey, aiAssistant.provider.model in app-config',
            503,
          );
        }
        return result({ attempts: 1 });
      },
    });
    const user = userEvent.setup();
    await user.click(
      await screen.findByRole('button', { name: 'Generate with AI' }),
    );
    const dialog = await screen.findByRole('dialog');
    // Nothing to generate from: said at the field, nothing asked
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    expect(
      within(dialog).getByText('Say what the pipeline should do'),
    ).toBeInTheDocument();
    expect(requests).toHaveLength(0);

    await user.type(
      within(dialog).getByRole('textbox', { name: /Describe the pipeline/ }),
      'Build it',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('The pipeline could not be generated');
    expect(alert).toHaveTextContent(
      'set aiAssistant.provider.baseUrl, aiAssistant.provider.apiKey, aiAssistant.provider.model',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    expect(
      await within(dialog).findByText(/accepted it after 1 attempt \(/),
    ).toBeInTheDocument();
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('drops an answer that arrives after the dialog was cancelled', async () => {
    const answer = deferred<AiGeneratedPipeline>();
    const { openInEditor } = await renderAction({
      generate: () => answer.promise,
      files: [],
    });
    const user = userEvent.setup();
    await user.click(
      await screen.findByRole('button', { name: 'Generate with AI' }),
    );
    const dialog = await screen.findByRole('dialog');
    // No file on screen: only a new file can be generated
    expect(within(dialog).queryByRole('radio', { name: /Modify/ })).toBeNull();
    expect(
      within(dialog).getByRole('radio', { name: 'A new file' }),
    ).toBeChecked();
    expect(
      within(dialog).getByRole('textbox', { name: 'File path' }),
    ).toHaveValue('.comet/pipeline.yaml');
    await user.type(
      within(dialog).getByRole('textbox', { name: /Describe the pipeline/ }),
      'x',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Generate' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    answer.resolve(result());
    await user.click(screen.getByRole('button', { name: 'Generate with AI' }));
    const again = await screen.findByRole('dialog');
    expect(
      within(again).getByRole('textbox', { name: /Describe the pipeline/ }),
    ).toHaveValue('');
    expect(openInEditor).not.toHaveBeenCalled();
  });

  it('is not offered to a user who may not use the assistant', async () => {
    const { asked } = await renderAction({ allowed: false });
    await waitFor(() => expect(asked).toContain('ai-assistant.chat.use'));
    expect(
      screen.queryByRole('button', { name: 'Generate with AI' }),
    ).not.toBeInTheDocument();
  });
});

describe('newPipelinePath', () => {
  it('names the first free file', () => {
    const file = (path: string) => ({ ...current, path });
    expect(newPipelinePath([])).toBe('.comet/pipeline.yaml');
    expect(
      newPipelinePath([
        file('.comet/pipeline.yaml'),
        file('.comet/generated.yaml'),
        file('.comet/generated-2.yaml'),
      ]),
    ).toBe('.comet/generated-3.yaml');
  });
});
