import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import type { EditorActionProps } from '@internal/plugin-pipelines-react';
import {
  PipelineFile,
  PipelinesApi,
  pipelinesApiRef,
} from '../../api/PipelinesApi';
import { EditorPage, mergeIssues } from './EditorPage';

jest.setTimeout(30_000);

/** AuthorizeResult.ALLOW or DENY (the enum's package is not a dependency of this plugin). */
type Decision = Exclude<
  NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize'],
  Function | undefined
>;
const ALLOW = 'ALLOW' as Decision;
const DENY = 'DENY' as Decision;

/** The backend: the same parser, with its step types and secrets; it names its step types. */
const stepTypes = ['sonarqube/quality-gate', 'docker/build'];
const backendValidate = jest.fn(async (yaml: string, file?: string) => ({
  ...parsePipeline(yaml, { file, stepTypes, secrets: ['TOKEN'] }),
  stepTypes,
}));

const withSteps = (step: string) =>
  `name: ci\njobs:\n  build:\n    steps:\n      - name: Scan\n        ${step}\n`;

describe('EditorPage', () => {
  const api = {
    listPipelines: jest.fn(),
    validate: backendValidate,
  } as unknown as PipelinesApi;

  beforeEach(() => backendValidate.mockClear());

  it('validates as you type and lists problems with line and column', async () => {
    await renderInTestApp(<EditorPage />, { apis: [[pipelinesApiRef, api]] });
    const editor = screen.getByRole('textbox', { name: 'Pipeline YAML' });
    expect(await screen.findByText(/Valid: 2 jobs/)).toBeInTheDocument();
    // The preview shows the starter pipeline's jobs
    expect(
      screen.getByRole('group', { name: 'Pipeline graph preview' }),
    ).toHaveTextContent(/build.*test/);

    const broken =
      'name: broken\njobs:\n  build:\n    needs: [nope]\n    stpes:\n      - run: echo hi\n';
    fireEvent.change(editor, { target: { value: broken } });
    const problems = await screen.findByRole('list', {
      name: 'Validation problems',
    });
    expect(problems).toHaveTextContent(/4:\d+: .*nope/);
    expect(problems).toHaveTextContent(/5:5: .*stpes.*steps/);
    // The backend's answer repeats them: each is listed once
    await waitFor(() =>
      expect(backendValidate).toHaveBeenCalledWith(
        broken,
        '.comet/pipeline.yaml',
      ),
    );
    await waitFor(() =>
      expect(
        screen.queryByText(/The backend is checking/),
      ).not.toBeInTheDocument(),
    );
    expect(
      screen.getAllByRole('button', { name: /:5:5: Unknown key/ }),
    ).toHaveLength(1);

    // Picking a problem moves the cursor to it
    fireEvent.click(screen.getByRole('button', { name: /:5:5: Unknown key/ }));
    const offset = broken.split('\n').slice(0, 4).join('\n').length + 1 + 4;
    await waitFor(() =>
      expect((editor as HTMLTextAreaElement).selectionStart).toBe(offset),
    );
  });

  it("lists the backend's problems: an unknown step type, with line and column", async () => {
    await renderInTestApp(<EditorPage />, { apis: [[pipelinesApiRef, api]] });
    const editor = screen.getByRole('textbox', { name: 'Pipeline YAML' });
    const text = withSteps('uses: docker/buidl');
    fireEvent.change(editor, { target: { value: text } });
    // Locally it is fine: the editor does not know the step types
    expect(parsePipeline(text).ok).toBe(true);
    expect(
      await screen.findByText(/the backend is checking step types/),
    ).toBeInTheDocument();
    const problem = await screen.findByRole('button', {
      name: /pipeline\.yaml:6:15: Unknown step type "docker\/buidl"/,
    });
    expect(screen.queryByText(/Valid:/)).not.toBeInTheDocument();
    expect(screen.getByText(/1 problem/)).toBeInTheDocument();
    fireEvent.click(problem);
    const offset = text.indexOf('docker/buidl');
    await waitFor(() =>
      expect((editor as HTMLTextAreaElement).selectionStart).toBe(offset),
    );
    // An unknown secret too
    fireEvent.change(editor, {
      target: { value: withSteps('run: echo ${{ secrets.NOPE }}') },
    });
    expect(
      await screen.findByRole('button', { name: /Unknown secret "NOPE"/ }),
    ).toBeInTheDocument();
  });

  it('asks the backend once typing pauses, and drops answers to stale text', async () => {
    let answerFirst: (value: unknown) => void = () => {};
    const slow = jest.fn(async (yaml: string, file?: string) => {
      if (yaml.includes('first')) {
        await new Promise(resolve => {
          answerFirst = resolve;
        });
        return {
          ok: false,
          issues: [{ message: 'Stale problem', path: '', line: 1, column: 1 }],
        };
      }
      return backendValidate(yaml, file);
    });
    await renderInTestApp(<EditorPage />, {
      apis: [[pipelinesApiRef, { ...api, validate: slow } as PipelinesApi]],
    });
    await waitFor(() => expect(slow).toHaveBeenCalled());
    const editor = screen.getByRole('textbox', { name: 'Pipeline YAML' });
    for (const name of ['a', 'ab', 'abc', 'first']) {
      fireEvent.change(editor, {
        target: { value: withSteps(`run: ${name}`) },
      });
    }
    await waitFor(() =>
      expect(slow).toHaveBeenCalledWith(
        withSteps('run: first'),
        '.comet/pipeline.yaml',
      ),
    );
    const texts = slow.mock.calls.map(call => call[0]);
    expect(texts.filter(t => /run: (a|ab|abc)\n/.test(t))).toEqual([]);
    fireEvent.change(editor, { target: { value: withSteps('run: second') } });
    expect(await screen.findByText(/Valid: 1 job/)).toBeInTheDocument();
    // The answer for the earlier text arrives last: it replaces nothing
    await act(async () => answerFirst(undefined));
    expect(screen.getByText(/Valid: 1 job/)).toBeInTheDocument();
    expect(screen.queryByText(/Stale problem/)).not.toBeInTheDocument();
    expect(screen.queryByText(/backend is checking/)).not.toBeInTheDocument();
  });

  it('says when the backend cannot validate, and still validates locally', async () => {
    const down = jest.fn(async () => {
      throw new Error('Failed to fetch');
    });
    await renderInTestApp(<EditorPage />, {
      apis: [[pipelinesApiRef, { ...api, validate: down } as PipelinesApi]],
    });
    expect(
      await screen.findByText(/backend could not validate the file/),
    ).toHaveTextContent(/Failed to fetch.*step types and secrets/);
    expect(
      screen.getByText(/No problems found in the editor: 2 jobs/),
    ).toBeInTheDocument();
    const editor = screen.getByRole('textbox', { name: 'Pipeline YAML' });
    fireEvent.change(editor, { target: { value: 'name: x\nstpes: 1\n' } });
    expect(
      await screen.findByRole('button', { name: /2:1: Unknown key "stpes"/ }),
    ).toBeInTheDocument();
  });

  it('completes keys with Ctrl+Space', async () => {
    await renderInTestApp(<EditorPage />, { apis: [[pipelinesApiRef, api]] });
    const editor = screen.getByRole('textbox', {
      name: 'Pipeline YAML',
    }) as HTMLTextAreaElement;
    const text = 'name: x\njobs:\n  build:\n    ';
    fireEvent.change(editor, { target: { value: text } });
    editor.setSelectionRange(text.length, text.length);
    fireEvent.keyDown(editor, { key: ' ', ctrlKey: true });
    const list = await screen.findByRole('listbox', { name: 'Completions' });
    expect(list).toHaveTextContent(/needs/);
    fireEvent.keyDown(editor, { key: 'ArrowDown' });
    fireEvent.keyDown(editor, { key: 'Enter' });
    await waitFor(() => expect(editor.value).toBe(`${text}needs: `));
  });

  it("completes uses with the backend's step types", async () => {
    await renderInTestApp(<EditorPage />, { apis: [[pipelinesApiRef, api]] });
    // The answer for the starter file names the step types
    await waitFor(() => expect(backendValidate).toHaveBeenCalled());
    await waitFor(() =>
      expect(screen.queryByText(/backend is checking/)).not.toBeInTheDocument(),
    );
    const editor = screen.getByRole('textbox', {
      name: 'Pipeline YAML',
    }) as HTMLTextAreaElement;
    const text = withSteps('uses: so').trimEnd();
    fireEvent.change(editor, {
      target: { value: text, selectionStart: text.length },
    });
    const list = await screen.findByRole('listbox', { name: 'Completions' });
    expect(list).toHaveTextContent('sonarqube/quality-gate');
    expect(list).not.toHaveTextContent('docker/build');
    fireEvent.keyDown(editor, { key: 'Enter' });
    await waitFor(() =>
      expect(editor.value).toBe(
        withSteps('uses: sonarqube/quality-gate').trimEnd(),
      ),
    );
  });
});

describe('EditorPage for an entity', () => {
  const main = withSteps('run: make');
  const nightly = 'name: nightly\njobs:\n  build:\n    stpes: []\n';
  const entityRef = 'component:default/payments-api';
  const parsedMain = parsePipeline(main);
  const pipelines: PipelineFile[] = [
    {
      path: '.comet/pipeline.yaml',
      commit: 'c0ffee',
      text: main,
      definition: parsedMain.ok ? parsedMain.pipeline : undefined,
    },
    {
      path: '.comet/nightly.yaml',
      commit: 'c0ffee',
      text: nightly,
      issues: [{ message: 'Unknown key "stpes"', path: '', line: 4 }],
    },
    {
      path: '.comet/missing.yaml',
      issues: [{ message: '.comet/missing.yaml does not exist', path: '' }],
    },
  ];

  /** An attached action that shows what the editor gives it. */
  function FilesAction(props: EditorActionProps) {
    return (
      <ul aria-label={`Action of ${props.entityRef}`}>
        {props.files.map(f => (
          <li key={f.path}>
            {`${f.path} changed=${f.changed} valid=${f.valid} saved=${
              f.savedContent !== undefined
            } lines=${f.content.split('\n').length}`}
          </li>
        ))}
        <li>{`canCreateRuns=${props.canCreateRuns}`}</li>
      </ul>
    );
  }

  function renderFor(options: {
    listPipelines: PipelinesApi['listPipelines'];
    authorize?: Decision;
    actions?: boolean;
    /** The attached action; default {@link FilesAction} */
    action?: (props: EditorActionProps) => JSX.Element;
    /** An entity of its own: usePermission caches answers per entity across tests */
    entityRef?: string;
  }) {
    const ref = options.entityRef ?? entityRef;
    const entityApi = {
      listPipelines: jest.fn(options.listPipelines),
      validate: backendValidate,
    } as unknown as PipelinesApi;
    return renderInTestApp(
      <EditorPage
        actions={
          options.actions === false
            ? []
            : [{ loader: async () => options.action ?? FilesAction }]
        }
      />,
      {
        apis: [
          [pipelinesApiRef, entityApi],
          mockApis.permission({
            authorize: options.authorize ?? ALLOW,
          }),
        ],
        initialRouteEntries: [
          `/pipelines/editor?entityRef=${encodeURIComponent(ref)}`,
        ],
      },
    );
  }

  const actionLines = async (ref = entityRef) =>
    within(await screen.findByRole('list', { name: `Action of ${ref}` }))
      .getAllByRole('listitem')
      .map(item => item.textContent);

  it("opens the entity's files from the repository and tells the actions what changed", async () => {
    await renderFor({ listPipelines: async () => ({ pipelines }) });
    const editor = (await screen.findByRole('textbox', {
      name: 'Pipeline YAML',
    })) as HTMLTextAreaElement;
    expect(editor.value).toBe(main);
    await waitFor(async () =>
      expect(await actionLines()).toEqual([
        '.comet/pipeline.yaml changed=false valid=true saved=true lines=7',
        '.comet/nightly.yaml changed=false valid=false saved=true lines=5',
        // Not read: it starts from the starter pipeline, and is new to the repository
        expect.stringMatching(
          /^\.comet\/missing\.yaml changed=true valid=true saved=false/,
        ),
        'canCreateRuns=true',
      ]),
    );

    fireEvent.change(editor, { target: { value: withSteps('run: make all') } });
    await waitFor(async () =>
      expect((await actionLines())[0]).toBe(
        '.comet/pipeline.yaml changed=true valid=true saved=true lines=7',
      ),
    );

    // Another file: its own text, the edits of the first kept
    fireEvent.mouseDown(screen.getByRole('button', { name: /Pipeline file/ }));
    fireEvent.click(
      await screen.findByRole('option', { name: '.comet/nightly.yaml' }),
    );
    await waitFor(() => expect(editor.value).toBe(nightly));
    expect(
      await screen.findByRole('button', { name: /4:5: Unknown key "stpes"/ }),
    ).toBeInTheDocument();
    expect(await actionLines()).toEqual([
      '.comet/nightly.yaml changed=false valid=false saved=true lines=5',
      '.comet/pipeline.yaml changed=true valid=true saved=true lines=7',
      expect.stringMatching(/^\.comet\/missing\.yaml changed=true/),
      'canCreateRuns=true',
    ]);
  });

  it('gives the actions the permission answer, and shows none without actions', async () => {
    await renderFor({
      listPipelines: async () => ({ pipelines: pipelines.slice(0, 1) }),
      authorize: DENY,
      entityRef: 'component:default/ledger',
    });
    await waitFor(async () =>
      expect(await actionLines('component:default/ledger')).toContain(
        'canCreateRuns=false',
      ),
    );
    // One file: nothing to choose from
    expect(
      screen.queryByRole('button', { name: /Pipeline file/ }),
    ).not.toBeInTheDocument();
  });

  it("opens an action's text in the editor as an unsaved change, adding a new file", async () => {
    const generated = withSteps('run: make generated');
    const added = withSteps('run: make nightly-two');
    /** An action that opens text, e.g. a generated pipeline, and shows what it is given. */
    function OpenAction(props: EditorActionProps) {
      return (
        <>
          <button
            onClick={() =>
              props.openInEditor({
                path: '.comet/pipeline.yaml',
                content: generated,
              })
            }
          >
            Open generated
          </button>
          <button
            onClick={() =>
              props.openInEditor({ path: '.comet/added.yaml', content: added })
            }
          >
            Open added
          </button>
          <FilesAction {...props} />
        </>
      );
    }
    await renderFor({
      listPipelines: async () => ({ pipelines: pipelines.slice(0, 2) }),
      action: OpenAction,
      entityRef: 'component:default/generated',
    });
    const editor = (await screen.findByRole('textbox', {
      name: 'Pipeline YAML',
    })) as HTMLTextAreaElement;
    const lines = () => actionLines('component:default/generated');
    // On the builder tab, an opened file brings the YAML tab back
    fireEvent.click(screen.getByRole('tab', { name: 'Visual builder' }));
    // From the other file: the opened one comes on screen
    fireEvent.mouseDown(screen.getByRole('button', { name: /Pipeline file/ }));
    fireEvent.click(
      await screen.findByRole('option', { name: '.comet/nightly.yaml' }),
    );
    await waitFor(() => expect(editor.value).toBe(nightly));

    fireEvent.click(
      await screen.findByRole('button', { name: 'Open generated' }),
    );
    await waitFor(() => expect(editor.value).toBe(generated));
    expect(screen.getByRole('tab', { name: 'YAML' })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    // Valid once the editor's check (debounced) has read the opened text
    await waitFor(
      async () =>
        expect(await lines()).toEqual([
          '.comet/pipeline.yaml changed=true valid=true saved=true lines=7',
          '.comet/nightly.yaml changed=false valid=false saved=true lines=5',
          'canCreateRuns=true',
        ]),
      { timeout: 5000 },
    );

    // A path the editor does not hold yet becomes a new file to choose
    fireEvent.click(screen.getByRole('button', { name: 'Open added' }));
    await waitFor(() => expect(editor.value).toBe(added));
    await waitFor(
      async () =>
        expect(await lines()).toEqual([
          '.comet/added.yaml changed=true valid=true saved=false lines=7',
          '.comet/pipeline.yaml changed=true valid=true saved=true lines=7',
          '.comet/nightly.yaml changed=false valid=false saved=true lines=5',
          'canCreateRuns=true',
        ]),
      { timeout: 5000 },
    );
    fireEvent.mouseDown(screen.getByRole('button', { name: /Pipeline file/ }));
    expect(
      await screen.findByRole('option', { name: '.comet/added.yaml (new)' }),
    ).toBeInTheDocument();
    // Switching keeps the opened text of the other file, as for edits
    fireEvent.click(
      screen.getByRole('option', { name: '.comet/pipeline.yaml' }),
    );
    await waitFor(() => expect(editor.value).toBe(generated));
  });

  it('starts from a new pipeline, saying why, when the files cannot be listed', async () => {
    await renderFor({
      listPipelines: async () => {
        throw new Error('The catalog is down');
      },
      actions: false,
    });
    expect(
      await screen.findByText(/could not be read \(The catalog is down\)/),
    ).toBeInTheDocument();
    const editor = screen.getByRole('textbox', {
      name: 'Pipeline YAML',
    }) as HTMLTextAreaElement;
    expect(editor.value).toMatch(/^name: /);
    expect(
      screen.queryByRole('list', { name: `Action of ${entityRef}` }),
    ).not.toBeInTheDocument();
  });
});

describe('mergeIssues', () => {
  it('adds the backend issues the local check lacks, by position', () => {
    const a = { message: 'a', path: '', line: 2, column: 1 };
    const b = { message: 'b', path: '', line: 1, column: 3 };
    const c = { message: 'c', path: '', line: 3, column: 1 };
    expect(mergeIssues([a, c], [{ ...a }, b])).toEqual([b, a, c]);
  });
});
