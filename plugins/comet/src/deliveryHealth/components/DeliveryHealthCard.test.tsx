import { ResponseError } from '@backstage/errors';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { EntityDeliveryHealth } from '@internal/plugin-comet-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { type DeliveryHealthApi, deliveryHealthApiRef } from '../api';
import { formatDateTime } from '../figures';
import {
  APP,
  component,
  healthyEntity,
  troubledEntity,
} from '../__testUtils__/fixtures';
import { DeliveryHealthCard } from './DeliveryHealthCard';

jest.setTimeout(60_000);

function mockApi(
  getEntityHealth: (entityRef: string) => Promise<EntityDeliveryHealth>,
) {
  return {
    getEntityHealth: jest.fn(getEntityHealth),
    getGroupHealth: jest.fn(),
  } satisfies DeliveryHealthApi;
}

async function renderCard(api: DeliveryHealthApi) {
  return renderInTestApp(
    <EntityProvider entity={component}>
      <DeliveryHealthCard />
    </EntityProvider>,
    {
      apis: [[deliveryHealthApiRef, api]],
      config: { app: { baseUrl: APP } },
    },
  );
}

/** The row of a figure or section, by its row header. */
function row(label: string) {
  return within(screen.getByRole('rowheader', { name: label }).closest('tr')!);
}

describe('DeliveryHealthCard', () => {
  it('shows each figure with its rating and a link to its source', async () => {
    const api = mockApi(async () => healthyEntity());
    await renderCard(api);

    expect(
      await screen.findByRole('link', { name: 'Succeeded' }),
    ).toHaveAttribute('href', '/pipelines/runs/run-42');
    expect(api.getEntityHealth).toHaveBeenCalledWith(
      'component:default/payments-api',
    );
    expect(
      screen.getByText(
        `Computed ${formatDateTime('2026-03-03T12:00:00.000Z')}`,
      ),
    ).toBeInTheDocument();
    expect(
      row('Last run').getByText(
        `build, ${formatDateTime('2026-03-03T11:00:00.000Z')}`,
      ),
    ).toBeInTheDocument();
    expect(
      row('Last run duration').getByRole('link', { name: '2 min 5 s' }),
    ).toHaveAttribute('href', '/pipelines/runs/run-42');

    const successRate = row('Success rate');
    expect(successRate.getByRole('link', { name: '40%' })).toHaveAttribute(
      'href',
      '/catalog/default/component/payments-api/ci-cd',
    );
    expect(successRate.getByRole('img', { name: 'Rated bad' })).toBeVisible();
    expect(successRate.getByText('of the last 6 runs')).toBeInTheDocument();
    // Each rating has its own colour, on top of its icon
    const colourOf = (label: string, text: string) =>
      getComputedStyle(row(label).getByText(text).closest('[data-rating]')!)
        .color;
    const colours = new Set([
      colourOf('Success rate', '40%'),
      colourOf('Test pass rate', '96.3%'),
      colourOf('Time to recovery', '17.5 h'),
      colourOf('Open pull requests', '4'),
    ]);
    expect(colours.size).toBe(4);

    expect(
      row('Time to recovery').getByRole('img', { name: 'Rated good' }),
    ).toBeInTheDocument();
    expect(row('Time to recovery').getByText('17.5 h')).toBeInTheDocument();

    // SonarQube and GitHub are outside the portal: their links open in a new tab
    const gate = row('Quality gate').getByRole('link', { name: /^Failed/ });
    expect(gate).toHaveAttribute(
      'href',
      'https://sonar.example.com/dashboard?id=acme_api',
    );
    expect(gate).toHaveAttribute('target', '_blank');
    expect(
      row('Quality gate').getByRole('img', { name: 'Rated bad' }),
    ).toBeInTheDocument();

    expect(
      row('Test pass rate').getByRole('link', { name: '96.3%' }),
    ).toHaveAttribute('href', '/catalog/default/component/payments-api/tests');
    expect(
      row('Test pass rate').getByRole('img', { name: 'Rated warning' }),
    ).toBeInTheDocument();
    expect(
      row('Flaky tests').getByRole('img', { name: 'Rated warning' }),
    ).toBeInTheDocument();
    expect(
      row('Open bugs').getByRole('img', { name: 'Rated good' }),
    ).toBeInTheDocument();
    expect(
      row('Open pull requests').getByRole('link', { name: /^4\b/ }),
    ).toHaveAttribute('href', 'https://github.com/acme/payments-api/pulls');
    expect(row('Open pull requests').queryByRole('img')).toBeNull();
    expect(
      row('Oldest pull request').getByRole('link', { name: /^12 days/ }),
    ).toBeInTheDocument();
    expect(
      row('Oldest pull request').getByText('mean age 5.5 days'),
    ).toBeInTheDocument();
  });

  it('shows a missing section in grey, a failed one with an error icon, and the rest as usual', async () => {
    await renderCard(mockApi(async () => troubledEntity()));

    const pipelines = await screen.findByText(
      'component:default/billing has no pipeline runs yet',
    );
    expect(pipelines).toHaveAttribute('data-kind', 'not-configured');
    // Grey: the light theme's secondary text colour
    expect(getComputedStyle(pipelines).color).toBe('rgba(0, 0, 0, 0.54)');
    expect(
      row('Pipelines').getByRole('link', { name: 'Open Pipelines' }),
    ).toHaveAttribute('href', '/catalog/default/component/billing/ci-cd');
    expect(
      row('Quality gate').getByText(
        'component:default/billing has no sonarqube.org/project-key annotation',
      ),
    ).toHaveAttribute('data-kind', 'not-configured');
    expect(row('Quality gate').queryByRole('link')).toBeNull();

    const pullRequests = row('Pull requests');
    expect(pullRequests.getByRole('img', { name: 'Error' })).toBeVisible();
    expect(
      pullRequests.getByText(
        'github:list-pull-requests answered 503: Service Unavailable',
        { exact: false },
      ),
    ).toHaveAttribute('data-kind', 'error');
    expect(
      getComputedStyle(
        pullRequests.getByText('github:list-pull-requests', { exact: false }),
      ).color,
    ).not.toBe('rgba(0, 0, 0, 0.54)');

    // The tests section was read in part: its figures and what could not be read
    expect(row('Test pass rate').getByText('No tests run')).toBeInTheDocument();
    expect(row('Flaky tests').getByRole('link', { name: '0' })).toHaveAttribute(
      'href',
      '/catalog/default/component/billing/tests',
    );
    expect(
      screen.getByText(
        'Suite "smoke": test-recorder:get-run answered 500: boom',
      ),
    ).toHaveAttribute('data-kind', 'info');
    expect(row('Open bugs').getByText('100+')).toBeInTheDocument();
    expect(
      row('Open bugs').getByText('at least: Jira gave no total'),
    ).toBeInTheDocument();
    expect(
      row('Open bugs').getByRole('img', { name: 'Rated bad' }),
    ).toBeInTheDocument();
    // No link where the backend gave none
    expect(row('Open bugs').queryByRole('link')).toBeNull();
  });

  it('reads the figures again on Refresh, reachable by keyboard', async () => {
    let answer = troubledEntity();
    const api = mockApi(async () => answer);
    await renderCard(api);
    await screen.findByText('github:list-pull-requests answered 503', {
      exact: false,
    });

    answer = healthyEntity();
    const refresh = screen.getByRole('button', {
      name: 'Refresh delivery health',
    });
    act(() => refresh.focus());
    await userEvent.keyboard('{Enter}');
    expect(
      await screen.findByRole('link', { name: 'Succeeded' }),
    ).toBeInTheDocument();
    expect(api.getEntityHealth).toHaveBeenCalledTimes(2);
    expect(
      screen.queryByText('github:list-pull-requests answered 503', {
        exact: false,
      }),
    ).toBeNull();

    // From the button, Tab reaches the figures' links in order
    act(() =>
      screen.getByRole('button', { name: 'Refresh delivery health' }).focus(),
    );
    await userEvent.tab();
    expect(screen.getByRole('link', { name: 'Succeeded' })).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByRole('link', { name: '2 min 5 s' })).toHaveFocus();
  });

  it('shows every figure as a placeholder while loading', async () => {
    let resolve: (health: EntityDeliveryHealth) => void = () => {};
    const api = mockApi(
      () =>
        new Promise(r => {
          resolve = r;
        }),
    );
    await renderCard(api);
    const table = await screen.findByRole('table', { name: 'Delivery health' });
    expect(table).toHaveAttribute('aria-busy', 'true');
    expect(within(table).getAllByRole('rowheader')).toHaveLength(10);
    expect(
      screen.getByRole('button', { name: 'Refresh delivery health' }),
    ).toBeDisabled();

    resolve(healthyEntity());
    expect(
      await screen.findByRole('link', { name: 'Succeeded' }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(
        screen.getByRole('table', { name: 'Delivery health' }),
      ).toHaveAttribute('aria-busy', 'false'),
    );
  });

  it("shows the backend's message when the whole request fails", async () => {
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'NotFoundError',
          message: 'component:default/payments-api was not found',
        },
        request: { method: 'GET', url: '/api/comet/entity' },
        response: { statusCode: 404 },
      }),
      {
        status: 404,
        statusText: 'Not Found',
        headers: { 'Content-Type': 'application/json' },
      },
    );
    const error = await ResponseError.fromResponse(response as any);
    await renderCard(
      mockApi(async () => {
        throw error;
      }),
    );
    expect(
      await screen.findByText(/component:default\/payments-api was not found/),
    ).toBeInTheDocument();
  });
});
