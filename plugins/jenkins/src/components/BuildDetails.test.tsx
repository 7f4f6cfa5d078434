import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  buildDetails,
  entityRef,
  job,
  mockApi,
  render,
} from '../__testUtils__/fixtures';
import { BuildDetails } from './BuildDetails';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

function details(
  api: ReturnType<typeof mockApi>,
  props: { number: number; canTrigger?: boolean; canAbort?: boolean },
) {
  const onRebuilt = jest.fn();
  const onChanged = jest.fn();
  const rendered = render(
    <BuildDetails
      entityRef={entityRef}
      job={job.jobRef}
      number={props.number}
      canTrigger={props.canTrigger ?? true}
      canAbort={props.canAbort ?? true}
      onRebuilt={onRebuilt}
      onChanged={onChanged}
    />,
    api,
  );
  return { rendered, onRebuilt, onChanged };
}

describe('BuildDetails', () => {
  it("shows a finished build's failed tests, parameters, changes and artifacts, and rebuilds it", async () => {
    const api = mockApi({
      getBuild: jest.fn(async () =>
        buildDetails(14, 'failure', {
          branch: 'main',
          causes: [],
          durationMs: 3_720_000,
          tests: { total: 10, passed: 7, failed: 2, skipped: 1 },
          parameters: { DEPLOY_ENV: 'staging', DRY_RUN: true },
          changes: [
            { sha: '1234567890abcdef', message: 'Fix refunds', author: 'Ada' },
            { sha: 'fedcba0987654321', message: 'Bump deps' },
          ],
          artifacts: [
            {
              fileName: 'app.tgz',
              relativePath: 'dist/app.tgz',
              url: `${job.url}14/artifact/dist/app.tgz`,
            },
            {
              fileName: 'report.html',
              relativePath: 'reports/report.html',
              url: `${job.url}14/artifact/reports/report.html`,
            },
          ],
        }),
      ),
      getTestReport: jest.fn(async () => ({
        total: 10,
        passed: 7,
        failed: 2,
        skipped: 1,
        failures: [
          {
            className: 'RefundTest',
            name: 'partial refund',
            errorDetails: 'expected 5 but was 4',
          },
          { className: 'RefundTest', name: 'full refund' },
        ],
      })),
      streamLog: jest.fn(async ({ onChunk }) => {
        onChunk({ text: 'Finished: FAILURE\n', nextStart: 18, more: false });
      }),
      getConsoleText: jest.fn(async () => 'Started\n...\nFinished: FAILURE\n'),
      rebuild: jest.fn(async () => ({ jobRef: job.jobRef, queueId: 8 })),
    });
    const { onRebuilt, onChanged } = details(api, { number: 14 });

    const section = await screen.findByRole('region', { name: 'Build 14' });
    expect(await within(section).findByText('Failed')).toBeInTheDocument();
    expect(within(section).getByText('branch main')).toBeInTheDocument();
    // No cause recorded: "Started"; finished: the duration, in hours
    expect(
      within(section).getByText(/^Started · .* · 1h 2m$/),
    ).toBeInTheDocument();
    expect(screen.getByLabelText('Test results')).toHaveTextContent(
      'Tests: 7 passed, 2 failed, 1 skipped (10 total)',
    );
    const failed = await screen.findByRole('list', { name: 'Failed tests' });
    expect(
      within(failed)
        .getAllByRole('listitem')
        .map(item => item.textContent),
    ).toEqual([
      'RefundTest › partial refund: expected 5 but was 4',
      'RefundTest › full refund',
    ]);
    expect(api.getTestReport).toHaveBeenCalledWith({
      entityRef,
      job: job.jobRef,
      number: 14,
    });
    expect(screen.getByLabelText('Parameters')).toHaveTextContent(
      'Parameters: DEPLOY_ENV=staging, DRY_RUN=true',
    );
    const changes = screen.getByRole('list', { name: 'Changes' });
    expect(
      within(changes)
        .getAllByRole('listitem')
        .map(item => item.textContent?.trim()),
    ).toEqual(['1234567 Fix refunds (Ada)', 'fedcba0 Bump deps']);
    expect(screen.getByRole('link', { name: 'dist/app.tgz' })).toHaveAttribute(
      'href',
      `${job.url}14/artifact/dist/app.tgz`,
    );
    expect(
      screen.getByRole('link', { name: 'reports/report.html' }),
    ).toBeInTheDocument();
    expect(
      within(section).getByRole('link', { name: 'Open in Jenkins' }),
    ).toHaveAttribute('href', `${job.url}14/`);
    // A finished build is not aborted, it is rebuilt
    expect(screen.queryByRole('button', { name: 'Abort' })).toBeNull();

    // The console ended: it says so, the parent reloads, and the whole log is a click away
    expect(await screen.findByText('Complete')).toBeInTheDocument();
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    const consoleOutput = screen.getByLabelText('Console output of build 14');
    expect(consoleOutput).toHaveTextContent('Finished: FAILURE');
    await userEvent.click(
      screen.getByRole('button', { name: 'Show whole log' }),
    );
    await waitFor(() =>
      expect(consoleOutput.textContent).toBe(
        'Started\n...\nFinished: FAILURE\n',
      ),
    );
    expect(screen.queryByRole('button', { name: 'Show whole log' })).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Rebuild' }));
    await waitFor(() =>
      expect(onRebuilt).toHaveBeenCalledWith({
        jobRef: job.jobRef,
        queueId: 8,
      }),
    );
    expect(api.rebuild).toHaveBeenCalledWith({
      entityRef,
      job: job.jobRef,
      number: 14,
    });
  });

  it('hides Rebuild without jenkins.build.trigger and reads no test report when nothing failed', async () => {
    const api = mockApi({
      getBuild: jest.fn(async () => buildDetails(15, 'success')),
    });
    details(api, { number: 15, canTrigger: false });
    const section = await screen.findByRole('region', { name: 'Build 15' });
    expect(await within(section).findByText('Success')).toBeInTheDocument();
    expect(screen.getByLabelText('Test results')).toHaveTextContent(
      'Tests: 9 passed, 1 failed, 0 skipped (10 total)',
    );
    expect(screen.queryByRole('button', { name: 'Rebuild' })).toBeNull();
    expect(screen.queryByLabelText('Parameters')).toBeNull();
    expect(screen.queryByRole('list', { name: 'Changes' })).toBeNull();
  });

  it('aborts a running build from the keyboard, and says why an abort failed', async () => {
    const api = mockApi({
      getBuild: jest.fn(async () =>
        buildDetails(16, 'running', {
          estimatedDurationMs: 120_000,
          tests: undefined,
        }),
      ),
      abortBuild: jest
        .fn()
        .mockRejectedValueOnce(
          new Error(
            'Jenkins instance "default" answered 409 when aborting build 16 of payments/payments-api',
          ),
        )
        .mockResolvedValue(undefined),
      // The console stays open while the build runs
      streamLog: jest.fn(() => new Promise<void>(() => {})),
    });
    const { onChanged } = details(api, { number: 16 });
    expect(
      await screen.findByText(/running, about 2m 0s expected$/),
    ).toBeInTheDocument();
    expect(screen.getByText('Live: following the build')).toBeInTheDocument();
    expect(
      screen.getByLabelText('Console output of build 16'),
    ).toHaveTextContent('Waiting for output…');
    expect(screen.queryByLabelText('Test results')).toBeNull();

    const abort = screen.getByRole('button', { name: 'Abort' });
    abort.focus();
    await userEvent.keyboard('{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The action failed');
    expect(alert).toHaveTextContent(
      'Jenkins instance "default" answered 409 when aborting build 16 of payments/payments-api',
    );
    expect(onChanged).not.toHaveBeenCalled();

    const loads = (api.getBuild as jest.Mock).mock.calls.length;
    screen.getByRole('button', { name: 'Abort' }).focus();
    await userEvent.keyboard(' ');
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.abortBuild).toHaveBeenCalledTimes(2);
    expect(api.abortBuild).toHaveBeenLastCalledWith({
      entityRef,
      job: job.jobRef,
      number: 16,
    });
    // The error is gone and the build is read again
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    await waitFor(() =>
      expect((api.getBuild as jest.Mock).mock.calls.length).toBeGreaterThan(
        loads,
      ),
    );
  });

  it('explains a build that cannot be read and a console that cannot be followed', async () => {
    const api = mockApi({
      getBuild: jest.fn(async () => {
        throw new Error(
          'Build 99 of payments/payments-api does not exist on Jenkins instance "default"',
        );
      }),
      streamLog: jest.fn(async () => {
        throw new Error('The console stream of build 99 was cut off');
      }),
      getConsoleText: jest.fn(async () => {
        throw new Error('Jenkins instance "default" did not answer in 30 s');
      }),
    });
    details(api, { number: 99 });
    const section = await screen.findByRole('region', { name: 'Build 99' });
    await waitFor(() =>
      expect(
        within(section)
          .getAllByRole('alert')
          .map(a => a.textContent),
      ).toEqual([
        'Build #99 cannot be shownBuild 99 of payments/payments-api does not exist on Jenkins instance "default"',
        'The console stream of build 99 was cut off',
      ]),
    );
    expect(screen.getByText('Complete')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Abort' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Rebuild' })).toBeNull();

    await userEvent.click(
      screen.getByRole('button', { name: 'Show whole log' }),
    );
    expect(
      await screen.findByText(
        'Jenkins instance "default" did not answer in 30 s',
      ),
    ).toBeInTheDocument();
    // Still not whole: the button stays to try again
    expect(
      screen.getByRole('button', { name: 'Show whole log' }),
    ).toBeInTheDocument();
  });
});
