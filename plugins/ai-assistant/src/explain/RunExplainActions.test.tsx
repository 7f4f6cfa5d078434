import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AiFailureExplanation } from '@internal/plugin-ai-assistant-common';
import type { RunPageActionProps } from '@internal/plugin-pipelines-react';
import {
  explanation,
  FakeExplainFailureApi,
  RUN_URL,
  renderWithApi,
} from './__testUtils__/fixtures';
import { ExplainFailureApiError } from './api';
import { CiCdExplainAction, RunPageExplainAction } from './RunExplainActions';
import { TestRunExplainAction } from './TestRunExplainAction';

configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);

function pipelineRun(
  overrides: Partial<RunPageActionProps['run']> = {},
): RunPageActionProps['run'] {
  return {
    provider: 'comet',
    runId: 'run-5',
    entityRef: 'component:default/payments-web',
    pipeline: 'ci',
    number: 5,
    status: 'failed',
    trigger: { type: 'push' },
    params: {},
    createdAt: '2025-03-11T10:00:00.000Z',
    links: [],
    jobs: [],
    ...overrides,
  };
}

async function open(name: string) {
  await userEvent.click(await screen.findByRole('button', { name }));
  return screen.findByRole('dialog');
}

describe('Explain this failure', () => {
  it('explains a failed Comet run from its page: cause, fix, first error, earlier runs, new lines and what was not read', async () => {
    const api = new FakeExplainFailureApi();
    await renderWithApi(<RunPageExplainAction run={pipelineRun()} />, api);
    const dialog = await open('Explain this failure of ci #5');
    expect(within(dialog).getByText('Why did ci #5 fail?')).toBeInTheDocument();
    expect(
      await within(dialog).findByText('Category: test-failure'),
    ).toBeInTheDocument();
    expect(api.explained).toEqual([{ runId: 'run-5' }]);
    expect(within(dialog).getByText('Exit code 1')).toBeInTheDocument();
    expect(
      within(dialog).getByText('Failed: test › yarn test'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        /Jest reported a failing test file: src\/components\/InvoiceTable.test.tsx\. Seen in 1/,
      ),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Suggested fix')).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        'No model is configured: this is the offline analysis',
      ),
    ).toBeInTheDocument();

    // The first error, in monospace, each numbered line linked to its place in the log
    const firstError = within(dialog).getByLabelText('First error lines');
    expect(firstError.tagName).toBe('PRE');
    expect(firstError).toHaveTextContent(
      'FAIL src/components/InvoiceTable.test.tsx (8.921 s)',
    );
    const lineLinks = within(firstError).getAllByRole('link', {
      name: 'Line 7 in the log',
    });
    expect(lineLinks[0]).toHaveAttribute('href', `${RUN_URL}#L8`);
    expect(lineLinks[0]).toHaveAttribute('rel', 'noopener noreferrer');

    const rules = within(dialog).getByRole('list', { name: 'Matched rules' });
    expect(rules).toHaveTextContent('Failed test suite (Jest)');
    expect(rules).toHaveTextContent("administrators' rule");
    expect(rules).toHaveTextContent(
      'also in green runs: probably not the cause',
    );
    expect(rules).toHaveTextContent('(3 matches, first on line 30)');

    expect(
      within(dialog).getByRole('link', { name: 'commit cccc00000000' }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/payments-web/commit/cccc000000000003',
    );
    expect(
      within(dialog).getByRole('link', { name: 'run run-3' }),
    ).toHaveAttribute('href', 'http://comet.example/pipelines/runs/run-3');
    expect(
      within(dialog).getByRole('link', { name: 'Run run-2' }),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('4 earlier runs compared.'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByLabelText('New lines of the log'),
    ).toHaveTextContent('Tests: 2 failed, 41 passed');
    expect(
      within(dialog).getByText(/2 lines the last 2 green runs did not print/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByRole('list', { name: 'Not read' }),
    ).toHaveTextContent(
      'the SonarQube quality gate: sonarqube:get-quality-gate answered 404: no project key',
    );
    expect(
      within(dialog).getByText(/only its last 200,000 were analysed/),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        /Analysed the log of job test \(39 lines\) in 42 ms · fingerprint ab12cd34ef56/,
      ),
    ).toBeInTheDocument();

    // Asked again on request; closing keeps what was read
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Explain again' }),
    );
    await waitFor(() => expect(api.explained).toHaveLength(2));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Close' }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    await open('Explain this failure of ci #5');
    expect(api.explained).toHaveLength(2);
  });

  it("shows the model's root cause, fix, confidence and evidence, linking only safe addresses", async () => {
    const api = new FakeExplainFailureApi();
    api.explainAnswers.push(async () =>
      explanation({
        model: {
          status: 'answered',
          model: 'gpt-4.1-mini',
          rootCause: 'The total is formatted in USD.\nSee line 7.',
          fix: 'Pass the invoice currency to formatMoney.',
          confidence: 'high',
          evidence: [
            { id: 'E2', title: 'The log, reduced', url: `${RUN_URL}#L8` },
            {
              id: 'E5',
              title: 'A planted link',
              url: ['javascript', 'alert(1)'].join(':'),
            },
            { id: 'E6', title: 'Jira issue PAY-12' },
          ],
        },
        similarRuns: undefined,
        newLines: undefined,
        unread: [],
        warnings: [],
        exitCode: undefined,
      }),
    );
    await renderWithApi(<RunPageExplainAction run={pipelineRun()} />, api);
    const dialog = await open('Explain this failure of ci #5');
    expect(
      await within(dialog).findByText("The model's explanation (gpt-4.1-mini)"),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Confidence: high')).toBeInTheDocument();
    expect(
      within(dialog).getByText(/The total is formatted in USD\./),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('Pass the invoice currency to formatMoney.'),
    ).toBeInTheDocument();
    const evidence = within(dialog).getByRole('list', { name: 'Evidence' });
    expect(
      within(evidence).getByRole('link', { name: 'E2: The log, reduced' }),
    ).toHaveAttribute('href', `${RUN_URL}#L8`);
    expect(
      within(evidence).queryByRole('link', { name: /planted/ }),
    ).not.toBeInTheDocument();
    expect(evidence).toHaveTextContent('E5: A planted link');
    expect(evidence).toHaveTextContent('E6: Jira issue PAY-12');
    expect(within(dialog).queryByText('Earlier runs')).not.toBeInTheDocument();
  });

  it.each<[AiFailureExplanation['model'], string]>([
    [
      {
        status: 'failed',
        model: 'm',
        message:
          'The model provider at x failed (500); the offline analysis stands.',
      },
      'The model could not explain it',
    ],
    [
      {
        status: 'skipped',
        message: 'You may not use the AI assistant (ai-assistant.chat.use).',
      },
      'The model was not asked',
    ],
  ])('says why the model has no answer (%#)', async (model, title) => {
    const api = new FakeExplainFailureApi();
    api.explainAnswers.push(async () =>
      explanation({
        model,
        category: 'unknown',
        suggestedFix: undefined,
        firstErrorLines: [],
        matchedRules: [],
        fingerprint: undefined,
      }),
    );
    await renderWithApi(<RunPageExplainAction run={pipelineRun()} />, api);
    const dialog = await open('Explain this failure of ci #5');
    expect(await within(dialog).findByText(title)).toBeInTheDocument();
    expect(
      within(dialog).getByText((model as { message: string }).message),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Category: unknown')).toBeInTheDocument();
    expect(within(dialog).queryByText('Suggested fix')).not.toBeInTheDocument();
  });

  it('says why a failure could not be explained, and tries again', async () => {
    const api = new FakeExplainFailureApi();
    api.explainAnswers.push(async () => {
      throw new ExplainFailureApiError(
        'Comet run run-5 cannot be read: 404',
        404,
      );
    });
    await renderWithApi(<RunPageExplainAction run={pipelineRun()} />, api);
    const dialog = await open('Explain this failure of ci #5');
    expect(
      await within(dialog).findByText('The failure could not be explained'),
    ).toBeInTheDocument();
    expect(
      within(dialog).getByText('Comet run run-5 cannot be read: 404'),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Explain again' }),
    );
    expect(
      await within(dialog).findByText('Category: test-failure'),
    ).toBeInTheDocument();
  });

  it('is offered only for runs that failed or were cancelled', async () => {
    const api = new FakeExplainFailureApi();
    await renderWithApi(
      <>
        <RunPageExplainAction run={pipelineRun({ status: 'succeeded' })} />
        <RunPageExplainAction
          run={pipelineRun({ status: 'running', number: 6 })}
        />
        <CiCdExplainAction
          run={pipelineRun({ status: 'succeeded' })}
          onChanged={() => {}}
        />
        <RunPageExplainAction
          run={pipelineRun({
            status: 'cancelled',
            number: undefined,
            pipeline: 'deploy',
          })}
        />
      </>,
      api,
    );
    expect(
      await screen.findByRole('button', {
        name: 'Explain this failure of deploy',
      }),
    ).toBeInTheDocument();
    expect(screen.getAllByRole('button')).toHaveLength(1);
  });

  it('explains a failed Jenkins build of the CI/CD list with the entity it is listed for', async () => {
    const api = new FakeExplainFailureApi();
    await renderWithApi(
      <CiCdExplainAction
        run={pipelineRun({
          provider: 'jenkins',
          runId: 'jenkins:default:payments/build#12',
          pipeline: 'payments/build',
          number: 12,
        })}
        onChanged={() => {}}
      />,
      api,
    );
    const button = await screen.findByRole('button', {
      name: 'Explain this failure of payments/build #12',
    });
    expect(button).toHaveTextContent(/^Explain$/);
    await userEvent.click(button);
    await screen.findByText('Category: test-failure');
    expect(api.explained).toEqual([
      {
        runId: 'jenkins:default:payments/build#12',
        entityRef: 'component:default/payments-web',
      },
    ]);
  });

  it('explains a failed test-recorder run by its id', async () => {
    const api = new FakeExplainFailureApi();
    const testRun = {
      runId: 'tr-2',
      suiteName: 'storefront-checkout',
      suiteVersion: 3,
      entityRef: 'component:default/storefront-web',
      status: 'failed' as const,
      trigger: 'manual' as const,
      triggeredBy: 'user:default/ada',
      createdAt: '2025-03-12T09:00:00.000Z',
      counts: { passed: 3, failed: 1, flaky: 0, skipped: 0 },
    };
    await renderWithApi(
      <>
        <TestRunExplainAction run={testRun} />
        <TestRunExplainAction
          run={{ ...testRun, runId: 'tr-3', status: 'passed' }}
        />
      </>,
      api,
    );
    await screen.findByRole('button', {
      name: 'Explain this failure of this run of storefront-checkout',
    });
    expect(
      screen.getAllByRole('button', { name: /^Explain this failure/ }),
    ).toHaveLength(1);
    await open('Explain this failure of this run of storefront-checkout');
    await screen.findByText('Category: test-failure');
    expect(api.explained).toEqual([{ testRunId: 'tr-2' }]);
  });
});
