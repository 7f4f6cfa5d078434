import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestRecorderApiError } from '../api';
import { mockApi, run } from '../__testUtils__/fixtures';
import { renderWith } from '../__testUtils__/render';
import { RunPage } from './RunPage';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

/** The signed URL the mock API hands out for an artifact. */
const artifactUrl = (artifactId: string) =>
  `http://localhost:7007/api/test-recorder/artifacts/${artifactId}?sig=s`;

describe('Run page', () => {
  it('shows per-test status, the failing step, screenshots and the video', async () => {
    const api = mockApi();
    await renderWith(<RunPage runId="run-1" />, api);
    expect(
      await screen.findByRole('link', { name: 'storefront-checkout' }),
    ).toHaveAttribute('href', '/test-recorder/suites/storefront-checkout');
    expect(screen.getByText(/Pixel 7 · 1 retry/)).toBeInTheDocument();
    expect(screen.getByLabelText('Counts')).toHaveTextContent(
      '0 passed · 1 failed · 1 flaky · 0 skipped',
    );

    const checkout = screen.getByRole('region', {
      name: 'Test Checkout with a card',
    });
    expect(within(checkout).getByText('1 attempt · 4.2 s')).toBeInTheDocument();
    expect(within(checkout).getByLabelText('Failure')).toHaveTextContent(
      'Step 4 failed: locator.click: Timeout 5000ms exceeded',
    );
    const thumb = await within(checkout).findByRole('img', {
      name: 'Screenshot after step 1',
    });
    expect(thumb).toHaveAttribute('src', artifactUrl('shot-1'));
    // Enlarging works from the keyboard: the thumbnail is a button
    within(checkout)
      .getByRole('button', { name: 'Enlarge Screenshot after step 1' })
      .focus();
    await userEvent.keyboard('{Enter}');
    expect(
      await screen.findByRole('img', {
        name: 'Screenshot after step 1, full size',
      }),
    ).toHaveAttribute('src', artifactUrl('shot-1'));
    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );

    const video = await within(checkout).findByLabelText(
      'Video of Checkout with a card, attempt 1',
    );
    expect(video.tagName).toBe('VIDEO');
    expect(video).toHaveAttribute('src', artifactUrl('video-1'));
    expect(video).toHaveAttribute('controls');

    const browse = screen.getByRole('region', {
      name: 'Test Browse the catalogue',
    });
    expect(within(browse).getByText('flaky')).toBeInTheDocument();
    expect(within(browse).getByText('quarantined')).toBeInTheDocument();
    expect(
      within(browse).getByRole('tab', { name: 'Attempt 2 (passed)' }),
    ).toHaveAttribute('aria-selected', 'true');
    expect(within(browse).getByLabelText('Failure')).toHaveTextContent(
      'Failed: net::ERR_CONNECTION_RESET',
    );
  });

  it('shows baseline, actual and diff side by side and accepts the new baseline', async () => {
    const api = mockApi();
    await renderWith(<RunPage runId="run-1" />, api);
    const visual = await screen.findByRole('region', {
      name: 'Visual check cart',
    });
    expect(
      within(visual).getByText('1234 pixels differ (1.25%)'),
    ).toBeInTheDocument();
    for (const [name, src] of [
      ['Baseline of cart', artifactUrl('base-1')],
      ['Actual of cart', artifactUrl('actual-1')],
      ['Diff of cart', artifactUrl('diff-1')],
    ]) {
      expect(await within(visual).findByRole('img', { name })).toHaveAttribute(
        'src',
        src,
      );
    }
    await userEvent.click(
      await within(visual).findByRole('button', {
        name: 'Accept as new baseline',
      }),
    );
    await waitFor(() =>
      expect(api.acceptBaseline).toHaveBeenCalledWith('run-1', {
        testId: 'checkout',
        stepId: 's4',
      }),
    );
    expect(
      await within(visual).findByText(
        'Accepted: the next runs compare with this screenshot.',
      ),
    ).toBeInTheDocument();
  });

  it('offers no baseline acceptance without test-recorder.baseline.accept', async () => {
    const api = mockApi({
      getRun: async () => run({ entityRef: 'component:default/no-baselines' }),
    });
    const { asked } = await renderWith(<RunPage runId="run-1" />, api, {
      deny: ['test-recorder.baseline.accept'],
    });
    const visual = await screen.findByRole('region', {
      name: 'Visual check cart',
    });
    await waitFor(() =>
      expect(asked).toContain(
        'test-recorder.baseline.accept component:default/no-baselines',
      ),
    );
    expect(
      within(visual).queryByRole('button', { name: 'Accept as new baseline' }),
    ).not.toBeInTheDocument();
  });

  it('shows why accepting failed', async () => {
    const api = mockApi({
      acceptBaseline: async () => {
        throw new TestRecorderApiError({
          message: 'Run run-1 is older than the baseline',
          status: 409,
          errorName: 'ConflictError',
        });
      },
    });
    await renderWith(<RunPage runId="run-1" />, api);
    const visual = await screen.findByRole('region', {
      name: 'Visual check cart',
    });
    await userEvent.click(
      await within(visual).findByRole('button', {
        name: 'Accept as new baseline',
      }),
    );
    expect(
      await within(visual).findByText('Run run-1 is older than the baseline'),
    ).toBeInTheDocument();
  });

  it('opens the trace viewer in a new tab', async () => {
    const tab = { opener: {}, location: { href: '' }, close: jest.fn() };
    const open = jest.spyOn(window, 'open').mockReturnValue(tab as any);
    const api = mockApi();
    await renderWith(<RunPage runId="run-1" />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Open trace' }),
    );
    await waitFor(() =>
      expect(tab.location.href).toBe(
        'http://localhost:7007/api/test-recorder/trace-viewer/index.html?trace=trace-1',
      ),
    );
    expect(open).toHaveBeenCalledWith('', '_blank');
    expect(tab.opener).toBeNull();
    open.mockRestore();
  });

  it('closes the tab and says why when the trace cannot be opened', async () => {
    const tab = { opener: {}, location: { href: '' }, close: jest.fn() };
    const open = jest.spyOn(window, 'open').mockReturnValue(tab as any);
    const api = mockApi({
      getTraceViewerUrl: async () => {
        throw new TestRecorderApiError({
          message: 'Trace trace-1 was pruned',
          status: 404,
          errorName: 'NotFoundError',
        });
      },
    });
    await renderWith(<RunPage runId="run-1" />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Open trace' }),
    );
    expect(
      await screen.findByText('Trace trace-1 was pruned'),
    ).toBeInTheDocument();
    expect(tab.close).toHaveBeenCalled();
    open.mockRestore();
  });

  it('polls while the run is queued or running, then stops', async () => {
    const answers = [
      run({ status: 'queued', results: [] }),
      run({ status: 'running', results: [] }),
      run({ status: 'passed', reason: undefined }),
    ];
    const api = mockApi({
      getRun: async () => answers.shift() ?? run({ status: 'passed' }),
    });
    await renderWith(<RunPage runId="run-1" pollIntervalMs={20} />, api);
    expect(
      await screen.findByText('Waiting for a free worker…'),
    ).toBeInTheDocument();
    expect(await screen.findByText('Running…')).toBeInTheDocument();
    expect(
      await screen.findByRole('region', { name: 'Test Checkout with a card' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Cancel run' }),
    ).not.toBeInTheDocument();
    const calls = api.getRun.mock.calls.length;
    expect(calls).toBe(3);
  });

  it('cancels a running run', async () => {
    const api = mockApi({
      getRun: async () => run({ status: 'running', results: [] }),
    });
    await renderWith(<RunPage runId="run-1" pollIntervalMs={60_000} />, api);
    const cancel = await screen.findByRole('button', { name: 'Cancel run' });
    await userEvent.click(cancel);
    await waitFor(() => expect(api.cancelRun).toHaveBeenCalledWith('run-1'));
    await waitFor(() => expect(api.getRun).toHaveBeenCalledTimes(2));
  });

  it('shows why a run failed as a whole and why it has no video', async () => {
    const api = mockApi({
      getRun: async () =>
        run({
          reason:
            'The web server never answered on http://127.0.0.1:3000/ within 30 s',
          videoUnavailable: 'ffmpeg is not installed: apt-get install ffmpeg',
          results: [],
        }),
    });
    await renderWith(<RunPage runId="run-1" />, api);
    expect(await screen.findByText('The run failed')).toBeInTheDocument();
    expect(
      screen.getByText(
        'The web server never answered on http://127.0.0.1:3000/ within 30 s',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('ffmpeg is not installed: apt-get install ffmpeg'),
    ).toBeInTheDocument();
  });

  it('says why the run cannot be shown', async () => {
    await renderWith(
      <RunPage runId="nope" />,
      mockApi({
        getRun: async () => {
          throw new TestRecorderApiError({
            message: 'No run nope',
            status: 404,
            errorName: 'NotFoundError',
          });
        },
      }),
    );
    expect(
      await screen.findByText('Run nope cannot be shown'),
    ).toBeInTheDocument();
  });

  it('says why an artifact cannot be shown', async () => {
    await renderWith(
      <RunPage runId="run-1" />,
      mockApi({
        getArtifactUrl: async id => {
          throw new TestRecorderApiError({
            message: `You may not read ${id}`,
            status: 403,
            errorName: 'NotAllowedError',
          });
        },
      }),
    );
    expect(
      await screen.findByText(
        'Screenshot after step 1: You may not read shot-1',
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'The video cannot be shown: You may not read video-1',
      ),
    ).toBeInTheDocument();
  });

  it('shows the buttons other plugins attached to the run page, given the run', async () => {
    const Explain = (props: { run: { runId: string; status: string } }) => (
      <button>
        Explain {props.run.runId} ({props.run.status})
      </button>
    );
    const Broken = () => {
      throw new Error('this action is broken');
    };
    await renderWith(
      <RunPage
        runId="run-1"
        actions={[
          { loader: async () => Explain as any },
          { loader: async () => Broken },
        ]}
      />,
      mockApi(),
    );
    expect(
      await screen.findByRole('button', { name: 'Explain run-1 (failed)' }),
    ).toBeInTheDocument();
    // A broken action does not take the page down
    expect(screen.getByLabelText('Counts')).toBeInTheDocument();
  });
});
