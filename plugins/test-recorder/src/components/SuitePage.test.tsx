import { configure, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestRecorderApiError } from '../api';
import { mockApi, runSummary, suite } from '../__testUtils__/fixtures';
import { renderWith } from '../__testUtils__/render';
import { SuitePage } from './SuitePage';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

async function openTab(name: string) {
  await userEvent.click(await screen.findByRole('tab', { name }));
}

describe('Suite page', () => {
  it('shows each test with its steps, fragile locators and history', async () => {
    const api = mockApi();
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    expect(
      await screen.findByRole('heading', { name: 'Storefront checkout' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /owned by component:default\/storefront-web · version 3/,
      ),
    ).toBeInTheDocument();
    const steps = screen.getByRole('list', {
      name: 'Steps of Checkout with a card',
    });
    expect(
      within(steps)
        .getAllByRole('listitem')
        .map(li => li.textContent),
    ).toEqual([
      'Go to /',
      'Click button "Add to cart"',
      'Fill label "Card number" with secret card-number',
      'Click css "div.pay > button" #2Fragile locator',
    ]);
    const checkout = screen.getByRole('region', {
      name: 'Test Checkout with a card',
    });
    await userEvent.click(
      within(checkout).getByRole('button', { name: 'History' }),
    );
    const history = await within(checkout).findByText(
      /Passed 50% · flaky 25% · failed 25% of 2 runs · flaky/,
    );
    expect(history).toBeInTheDocument();
    expect(
      within(checkout).getByText('locator.click: Timeout <n>ms exceeded'),
    ).toBeInTheDocument();
    expect(
      within(checkout).getByRole('link', { name: 'latest' }),
    ).toHaveAttribute('href', '/test-recorder/runs/run-9');
    expect(api.getTestHistory).toHaveBeenCalledWith(
      'storefront-checkout',
      'checkout',
      50,
    );
  });

  it('quarantines a test and reads the suite again', async () => {
    const api = mockApi();
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    const toggle = await screen.findByRole('checkbox', {
      name: 'Quarantine Browse the catalogue',
    });
    await waitFor(() => expect(toggle).toBeEnabled());
    await userEvent.click(toggle);
    await waitFor(() =>
      expect(api.setQuarantine).toHaveBeenCalledWith(
        'storefront-checkout',
        'browse',
        true,
      ),
    );
    await waitFor(() => expect(api.getSuite).toHaveBeenCalledTimes(2));
  });

  it('shows the rendered code read-only with a file picker and downloads the project', async () => {
    const api = mockApi();
    const downloads: string[][] = [];
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(function recordDownload(this: HTMLAnchorElement) {
        downloads.push([this.href, this.download]);
      });
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    await openTab('Code');
    const pre = await screen.findByLabelText(
      'Contents of tests/checkout.spec.ts',
    );
    expect(pre.tagName).toBe('PRE');
    expect(pre).toHaveTextContent(
      "test('Checkout with a card', async () => {}); // vcurrent",
    );
    await userEvent.click(screen.getByLabelText('File'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'playwright.config.ts' }),
    );
    expect(
      await screen.findByLabelText('Contents of playwright.config.ts'),
    ).toHaveTextContent('export default {}');
    await userEvent.click(
      screen.getByRole('button', { name: 'Download project (zip)' }),
    );
    await waitFor(() =>
      expect(downloads).toEqual([['blob:export', 'storefront-checkout.zip']]),
    );
    expect(api.getExportObjectUrl).toHaveBeenCalledWith(
      'storefront-checkout',
      undefined,
    );
    click.mockRestore();
  });

  it('lists versions and shows an old version’s code', async () => {
    const api = mockApi();
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    await openTab('Versions');
    const list = await screen.findByRole('list', { name: 'Versions' });
    expect(within(list).getAllByRole('listitem')[1]).toHaveTextContent(
      /Version 2 · user:default\/grace · .* · Recorded "Browse"/,
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'View the code of version 2' }),
    );
    expect(await screen.findByText('Code of version 2')).toBeInTheDocument();
    expect(
      await screen.findByLabelText('Contents of tests/checkout.spec.ts'),
    ).toHaveTextContent('// v2');
    expect(api.getCode).toHaveBeenCalledWith('storefront-checkout', 2);
  });

  it('pages through the runs', async () => {
    const api = mockApi({
      listRuns: async ({ cursor }) =>
        cursor
          ? { runs: [runSummary('run-old', { status: 'cancelled' })] }
          : {
              runs: [runSummary('run-new', { status: 'running' })],
              nextCursor: 'page-2',
            },
    });
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    await openTab('Runs');
    const table = await screen.findByRole('table', { name: 'Runs' });
    await within(table).findByText('running');
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(await within(table).findByText('cancelled')).toBeInTheDocument();
    expect(api.listRuns).toHaveBeenLastCalledWith({
      suite: 'storefront-checkout',
      limit: 20,
      cursor: 'page-2',
    });
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await within(table).findByText('running')).toBeInTheDocument();
  });

  it('sets secrets without ever showing a value', async () => {
    const api = mockApi();
    const { container } = await renderWith(
      <SuitePage name="storefront-checkout" />,
      api,
    );
    await openTab('Secrets');
    const list = await screen.findByRole('list', { name: 'Secrets' });
    const [card, token] = within(list).getAllByRole('listitem');
    expect(within(card).getByText('set')).toBeInTheDocument();
    expect(within(token).getByText('not set')).toBeInTheDocument();
    const field = within(token).getByLabelText('New value of api-token');
    expect(field).toHaveAttribute('type', 'password');
    await userEvent.type(field, 'tok-SECRET-42');
    await userEvent.click(within(token).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(api.setSecret).toHaveBeenCalledWith(
        'storefront-checkout',
        'api-token',
        'tok-SECRET-42',
      ),
    );
    expect(
      await screen.findByText('Secret api-token saved'),
    ).toBeInTheDocument();
    expect(field).toHaveValue('');
    expect(container.innerHTML).not.toContain('tok-SECRET-42');
    await userEvent.click(within(card).getByRole('button', { name: 'Clear' }));
    await waitFor(() =>
      expect(api.deleteSecret).toHaveBeenCalledWith(
        'storefront-checkout',
        'card-number',
      ),
    );
  });

  it('saves settings as a new version on the version it was read at', async () => {
    const api = mockApi();
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    await openTab('Settings');
    const baseUrl = await screen.findByLabelText('Base URL');
    await waitFor(() => expect(baseUrl).toBeEnabled());
    await userEvent.clear(baseUrl);
    await userEvent.type(baseUrl, 'not a url');
    expect(
      screen.getByText('Base URL: an http(s) URL, e.g. http://localhost:3000'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Save as a new version' }),
    ).toBeDisabled();
    await userEvent.clear(baseUrl);
    await userEvent.type(baseUrl, 'http://localhost:4000');
    await userEvent.type(
      screen.getByLabelText('Web server command'),
      'node server.js',
    );
    await userEvent.type(screen.getByLabelText('Web server port'), '4000');
    await userEvent.click(screen.getByLabelText('Device preset'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Pixel 7' }),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Save as a new version' }),
    );
    await waitFor(() => expect(api.updateSuite).toHaveBeenCalled());
    const [name, request] = api.updateSuite.mock.calls[0];
    expect(name).toBe('storefront-checkout');
    expect(request.baseVersion).toBe(3);
    expect(request.definition).toMatchObject({
      baseUrl: 'http://localhost:4000',
      project: 'Pixel 7',
      webServer: { command: 'node server.js', port: 4000 },
      tests: suite.definition.tests,
    });
    expect(await screen.findByText('Saved as version 4')).toBeInTheDocument();
  });

  it('says who saved meanwhile when the version is stale', async () => {
    let reads = 0;
    const api = mockApi({
      getSuite: async () => ({ ...suite, version: ++reads > 1 ? 5 : 3 }),
      updateSuite: async () => {
        throw new TestRecorderApiError({
          message: 'stale',
          status: 409,
          errorName: 'ConflictError',
        });
      },
    });
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    await openTab('Settings');
    const baseUrl = await screen.findByLabelText('Base URL');
    await waitFor(() => expect(baseUrl).toBeEnabled());
    await userEvent.type(baseUrl, '/shop');
    await userEvent.click(
      screen.getByRole('button', { name: 'Save as a new version' }),
    );
    expect(
      await screen.findByText(/Someone saved version 5 meanwhile: reload/),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect(reads).toBeGreaterThanOrEqual(3));
  });

  it('validates the web server fields', async () => {
    await renderWith(<SuitePage name="storefront-checkout" />, mockApi());
    await openTab('Settings');
    const port = await screen.findByLabelText('Web server port');
    await userEvent.type(port, '70000');
    expect(
      screen.getByText('Port: a whole number from 1 to 65535'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Web server command: needed with a port'),
    ).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Ready URL'), 'nope');
    expect(screen.getByText('Ready URL: an http(s) URL')).toBeInTheDocument();
  });

  it('runs the suite from its page', async () => {
    const api = mockApi();
    await renderWith(<SuitePage name="storefront-checkout" />, api);
    const run = await screen.findByRole('button', { name: 'Run' });
    await waitFor(() => expect(run).toBeEnabled());
    await userEvent.click(run);
    const dialog = await screen.findByRole('dialog', {
      name: 'Run storefront-checkout',
    });
    await waitFor(() =>
      expect(within(dialog).getByRole('button', { name: 'Run' })).toBeEnabled(),
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Run' }));
    await waitFor(() =>
      expect(api.runSuite).toHaveBeenCalledWith('storefront-checkout', {
        testIds: undefined,
        retries: 0,
        project: undefined,
      }),
    );
  });

  it('says why the suite cannot be shown', async () => {
    await renderWith(
      <SuitePage name="nope" />,
      mockApi({
        getSuite: async () => {
          throw new TestRecorderApiError({
            message: 'No suite named nope',
            status: 404,
            errorName: 'NotFoundError',
          });
        },
      }),
    );
    expect(
      await screen.findByText('Suite nope cannot be shown'),
    ).toBeInTheDocument();
    expect(screen.getByText('No suite named nope')).toBeInTheDocument();
  });
});
