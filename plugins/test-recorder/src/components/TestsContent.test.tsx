import { coreApis } from '@backstage/frontend-plugin-api';
import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestRecorderApiError } from '../api';
import { config, entityWith, mockApi } from '../__testUtils__/fixtures';
import { renderWith } from '../__testUtils__/render';
import { TestsContent } from './TestsContent';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

describe('Tests tab', () => {
  it('lists the suites with their latest run, history and flaky tests', async () => {
    const api = mockApi();
    await renderWith(<TestsContent />, api);
    const suite = await screen.findByRole('region', {
      name: 'Suite storefront-checkout',
    });
    const s = within(suite);
    expect(
      s.getByRole('link', { name: 'Storefront checkout' }),
    ).toHaveAttribute('href', '/test-recorder/suites/storefront-checkout');
    expect(s.getByText(/2 tests · version 3/)).toBeInTheDocument();
    expect(s.getByRole('link', { name: 'Latest run: failed' })).toHaveAttribute(
      'href',
      '/test-recorder/runs/run-9',
    );
    expect(s.getByText(/1 passed · 1 failed/)).toBeInTheDocument();
    // History: oldest on the left, one link per run with its status in words
    const chart = await s.findByRole('img', {
      name: 'Pass rate of the last 2 runs of storefront-checkout',
    });
    const bars = chart.querySelectorAll('a');
    expect(bars).toHaveLength(2);
    expect(bars[0]).toHaveAttribute('href', '/test-recorder/runs/run-8');
    expect(bars[0].getAttribute('aria-label')).toMatch(
      /: passed, 100% passed$/,
    );
    expect(bars[1].getAttribute('aria-label')).toMatch(/: failed, 50% passed$/);
    expect(bars[1].querySelector('rect')).toHaveAttribute(
      'data-status',
      'failed',
    );
    const flaky = await s.findByRole('list', {
      name: 'Flaky tests of storefront-checkout',
    });
    expect(
      within(flaky)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual(['Checkout with a card: flaky in 25% of runs']);
    expect(api.getEntitySuites).toHaveBeenCalledWith(
      'component:default/storefront-web',
    );
    expect(api.listRuns).toHaveBeenCalledWith({
      suite: 'storefront-checkout',
      limit: 20,
    });
  });

  it('says which annotated suites are missing and why', async () => {
    await renderWith(<TestsContent />, mockApi());
    const missing = await screen.findByRole('list', { name: 'Missing suites' });
    const items = within(missing).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent(
      'storefront-search: does not exist yet.',
    );
    expect(
      within(items[0]).getByRole('link', { name: 'Record storefront-search' }),
    ).toHaveAttribute(
      'href',
      '/test-recorder/record?entityRef=component%3Adefault%2Fstorefront-web&suite=storefront-search',
    );
    expect(items[1]).toHaveTextContent(
      'payments-api-smoke: belongs to component:default/payments-api',
    );
    expect(within(items[1]).queryByRole('link')).not.toBeInTheDocument();
  });

  it('runs a suite from the dialog and opens the run', async () => {
    const api = mockApi();
    const { apis } = await renderWith(<TestsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Run storefront-checkout' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Run storefront-checkout',
    });
    await userEvent.click(within(dialog).getByLabelText('Selected tests'));
    const run = within(dialog).getByRole('button', { name: 'Run' });
    expect(run).toBeDisabled();
    await userEvent.click(
      await within(dialog).findByLabelText('Browse the catalogue'),
    );
    const retries = within(dialog).getByLabelText('Retries');
    await userEvent.clear(retries);
    await userEvent.type(retries, '9');
    expect(
      within(dialog).getByText('Retries: a whole number from 0 to 5'),
    ).toBeInTheDocument();
    expect(run).toBeDisabled();
    await userEvent.clear(retries);
    await userEvent.type(retries, '2');
    await userEvent.click(within(dialog).getByLabelText('Device preset'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Pixel 7' }),
    );
    await userEvent.click(run);
    await waitFor(() =>
      expect(api.runSuite).toHaveBeenCalledWith('storefront-checkout', {
        testIds: ['browse'],
        retries: 2,
        project: 'Pixel 7',
      }),
    );
    await waitFor(() =>
      expect(
        apis.get(coreApis.appHistory)!.getSnapshot().location.pathname,
      ).toBe('/test-recorder/runs/run-new'),
    );
  });

  it("shows the backend's reason when a run does not start", async () => {
    const api = mockApi({
      runSuite: async () => {
        throw new TestRecorderApiError({
          message: 'storefront-checkout: 2 runs are already queued',
          status: 409,
          errorName: 'ConflictError',
        });
      },
    });
    await renderWith(<TestsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Run storefront-checkout' }),
    );
    const dialog = await screen.findByRole('dialog');
    await waitFor(() =>
      expect(within(dialog).getByRole('button', { name: 'Run' })).toBeEnabled(),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Run' }));
    expect(
      await within(dialog).findByText(
        'storefront-checkout: 2 runs are already queued',
      ),
    ).toBeInTheDocument();
  });

  it('disables Run and Record without the permissions, saying why', async () => {
    // Entities of their own: usePermission caches answers per resource across tests
    const base = mockApi();
    const api = mockApi({
      getEntitySuites: async entityRef => {
        const answer = await base.getEntitySuites(entityRef);
        return {
          ...answer,
          suites: answer.suites.map(s => ({
            ...s,
            entityRef: 'component:default/locked-web',
          })),
        };
      },
    });
    const { asked } = await renderWith(<TestsContent />, api, {
      entity: entityWith(
        { 'comet.dev/test-suites': 'storefront-checkout' },
        'locked-web',
      ),
      deny: ['test-recorder.suite.run', 'test-recorder.suite.record'],
    });
    const run = await screen.findByRole('button', {
      name: 'Run storefront-checkout',
    });
    await waitFor(() =>
      expect(asked).toContain(
        'test-recorder.suite.run component:default/locked-web',
      ),
    );
    expect(run).toBeDisabled();
    expect(
      screen.getByTitle('You may not run this suite (test-recorder.suite.run)'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Record a new test' }),
      ).toBeDisabled(),
    );
    expect(asked).toContain(
      'test-recorder.suite.record component:default/locked-web',
    );
  });

  it('opens the recorder for the entity', async () => {
    const { apis } = await renderWith(<TestsContent />, mockApi());
    const record = await screen.findByRole('button', {
      name: 'Record a new test',
    });
    await waitFor(() => expect(record).toBeEnabled());
    await userEvent.click(record);
    const location = apis.get(coreApis.appHistory)!.getSnapshot().location;
    expect(`${location.pathname}${location.search}`).toBe(
      '/test-recorder/record?entityRef=component%3Adefault%2Fstorefront-web',
    );
  });

  it('names the config key when the backend is not configured', async () => {
    await renderWith(
      <TestsContent />,
      mockApi({
        getConfig: async () => {
          throw new TestRecorderApiError({
            message:
              'Set testRecorder.allowedOrigins to turn the test recorder on',
            status: 503,
            errorName: 'NotConfigured',
          });
        },
      }),
    );
    expect(
      await screen.findByText('The test recorder is not configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Set testRecorder.allowedOrigins to turn the test recorder on',
      ),
    ).toBeInTheDocument();
  });

  it('says so when config reports the recorder disabled', async () => {
    await renderWith(
      <TestsContent />,
      mockApi({ getConfig: async () => ({ ...config, enabled: false }) }),
    );
    expect(
      await screen.findByText(/set testRecorder in app-config.yaml/),
    ).toBeInTheDocument();
  });

  it('says what to install when the sandbox is unavailable, and disables run and record', async () => {
    await renderWith(
      <TestsContent />,
      mockApi({
        getConfig: async () => ({
          ...config,
          sandboxAvailable: false,
          sandboxUnavailableReason:
            'bubblewrap is not installed: apt-get install bubblewrap',
        }),
      }),
    );
    expect(
      await screen.findByText(
        'bubblewrap is not installed: apt-get install bubblewrap',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Run storefront-checkout' }),
    ).toBeDisabled();
    expect(
      screen.getByRole('button', { name: 'Record a new test' }),
    ).toBeDisabled();
  });

  it('shows other errors verbatim', async () => {
    await renderWith(
      <TestsContent />,
      mockApi({
        getEntitySuites: async () => {
          throw new TestRecorderApiError({
            message: 'comet.dev/test-suites: "Bad_Name" is not a suite name',
            status: 400,
            errorName: 'InputError',
          });
        },
      }),
    );
    expect(
      await screen.findByText('The suites cannot be shown'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('comet.dev/test-suites: "Bad_Name" is not a suite name'),
    ).toBeInTheDocument();
  });

  it('renders the toolbar actions other plugins attach, and reads the suites again when told', async () => {
    const api = mockApi();
    const seen: string[] = [];
    const action = {
      loader: async () =>
        function GenerateAction(props: {
          entityRef: string;
          suiteNames: string[];
          onSuitesChanged: () => void;
        }) {
          seen.push(`${props.entityRef} ${props.suiteNames.join(',')}`);
          return (
            <button onClick={props.onSuitesChanged}>
              Generate suite with AI
            </button>
          );
        },
    };
    await renderWith(<TestsContent actions={[action]} />, api);
    const button = await screen.findByRole('button', {
      name: 'Generate suite with AI',
    });
    expect(seen.at(-1)).toBe(
      'component:default/storefront-web storefront-checkout',
    );
    expect(api.getEntitySuites).toHaveBeenCalledTimes(1);
    await userEvent.click(button);
    await waitFor(() => expect(api.getEntitySuites).toHaveBeenCalledTimes(2));
  });
});
