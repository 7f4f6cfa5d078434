import { ResponseError } from '@backstage/errors';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { GroupDeliveryHealth } from '@internal/plugin-comet-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { type DeliveryHealthApi, deliveryHealthApiRef } from '../api';
import {
  APP,
  group,
  groupHealth,
  healthyEntity,
} from '../__testUtils__/fixtures';
import { GroupDeliveryHealthTable } from './GroupDeliveryHealthTable';

jest.setTimeout(60_000);

function mockApi(
  getGroupHealth: (groupRef: string) => Promise<GroupDeliveryHealth>,
) {
  return {
    getEntityHealth: jest.fn(),
    getGroupHealth: jest.fn(getGroupHealth),
  } satisfies DeliveryHealthApi;
}

async function renderTable(api: DeliveryHealthApi) {
  return renderInTestApp(
    <EntityProvider entity={group}>
      <GroupDeliveryHealthTable />
    </EntityProvider>,
    {
      apis: [[deliveryHealthApiRef, api]],
      config: { app: { baseUrl: APP } },
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

/** The component names, top to bottom. */
function names() {
  return screen.getAllByRole('rowheader').map(cell => cell.textContent?.trim());
}

function rowOf(name: string) {
  return within(screen.getByRole('rowheader', { name }).closest('tr')!);
}

const component = (name: string, successRate?: number, openBugs = 0) => {
  const health = healthyEntity({
    entityRef: `component:default/${name}`,
    title: name,
  });
  if (health.pipelines.status === 'ok') {
    health.pipelines.value.successRate =
      successRate === undefined ? undefined : { value: successRate };
  }
  health.bugs = {
    status: 'ok',
    value: { openBugs: { value: openBugs }, isLowerBound: false },
  };
  return health;
};

describe('GroupDeliveryHealthTable', () => {
  it('shows a row per component with its figures, and why a section is missing', async () => {
    const api = mockApi(async () => groupHealth());
    await renderTable(api);

    const link = await screen.findByRole('link', { name: 'payments-api' });
    expect(link).toHaveAttribute(
      'href',
      '/catalog/default/component/payments-api',
    );
    expect(api.getGroupHealth).toHaveBeenCalledWith(
      'group:default/payments-team',
    );
    expect(screen.getAllByRole('columnheader').map(h => h.textContent)).toEqual(
      [
        expect.stringContaining('Component'),
        expect.stringContaining('Last run'),
        expect.stringContaining('Last run duration'),
        expect.stringContaining('Success rate'),
        expect.stringContaining('Time to recovery'),
        expect.stringContaining('Quality gate'),
        expect.stringContaining('Test pass rate'),
        expect.stringContaining('Flaky tests'),
        expect.stringContaining('Open bugs'),
        expect.stringContaining('Open pull requests'),
        expect.stringContaining('Oldest pull request'),
      ],
    );

    const healthy = rowOf('payments-api');
    expect(healthy.getByRole('link', { name: '40%' })).toHaveAttribute(
      'href',
      '/catalog/default/component/payments-api/ci-cd',
    );
    expect(
      healthy.getByRole('link', { name: '40%' }).closest('span'),
    ).toHaveAttribute('title', 'of the last 6 runs');
    expect(healthy.getAllByRole('img', { name: 'Rated bad' })).toHaveLength(2);
    expect(healthy.getAllByRole('img', { name: 'Rated warning' })).toHaveLength(
      3,
    );
    expect(healthy.getAllByRole('img', { name: 'Rated good' })).toHaveLength(2);
    expect(healthy.getAllByRole('cell')).toHaveLength(10);

    // A missing section spans its columns with its message; the others are still shown
    const troubled = rowOf('billing');
    const pipelines = troubled.getByText(
      'component:default/billing has no pipeline runs yet',
    );
    expect(pipelines).toHaveAttribute('data-kind', 'not-configured');
    expect(pipelines.closest('td')).toHaveAttribute('colspan', '4');
    const pulls = troubled.getByText(
      'github:list-pull-requests answered 503: Service Unavailable',
    );
    expect(pulls).toHaveAttribute('data-kind', 'error');
    expect(pulls.closest('td')).toHaveAttribute('colspan', '2');
    expect(troubled.getByRole('img', { name: 'Error' })).toBeInTheDocument();
    expect(troubled.getByText('100+')).toBeInTheDocument();
    expect(troubled.getByText('No tests run')).toBeInTheDocument();
    expect(screen.queryByText(/Only the first/)).toBeNull();
  });

  it('sorts by any column, keeping rows without a value last', async () => {
    await renderTable(
      mockApi(async () =>
        groupHealth({
          entities: [
            component('alpha', 95, 7),
            component('bravo', undefined, 2),
            component('charlie', 60, 30),
            component('delta', undefined, 5),
          ],
        }),
      ),
    );
    await screen.findByRole('link', { name: 'alpha' });
    expect(names()).toEqual(['alpha', 'bravo', 'charlie', 'delta']);

    const sortBy = (label: string) =>
      userEvent.click(screen.getByRole('button', { name: label }));

    await sortBy('Success rate');
    expect(names()).toEqual(['charlie', 'alpha', 'bravo', 'delta']);
    expect(
      screen.getByRole('columnheader', { name: /Success rate/ }),
    ).toHaveAttribute('aria-sort', 'ascending');
    await sortBy('Success rate');
    expect(names()).toEqual(['alpha', 'charlie', 'bravo', 'delta']);
    expect(
      screen.getByRole('columnheader', { name: /Success rate/ }),
    ).toHaveAttribute('aria-sort', 'descending');

    await sortBy('Open bugs');
    expect(names()).toEqual(['bravo', 'delta', 'alpha', 'charlie']);
    await sortBy('Component');
    expect(names()).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
    await sortBy('Component');
    expect(names()).toEqual(['delta', 'charlie', 'bravo', 'alpha']);

    // Every row has as many open pull requests: the name order decides
    await sortBy('Open pull requests');
    expect(names()).toEqual(['alpha', 'bravo', 'charlie', 'delta']);
  });

  it('says when the group owns more components than are shown', async () => {
    await renderTable(
      mockApi(async () =>
        groupHealth({
          entities: [component('alpha', 90)],
          truncated: true,
          limit: 1,
        }),
      ),
    );
    expect(
      await screen.findByText(
        'Only the first 1 components the group owns are shown, by name: it owns more. deliveryHealth.group.maxEntities in app-config sets how many.',
      ),
    ).toBeInTheDocument();
  });

  it('says so when the group owns no component', async () => {
    await renderTable(mockApi(async () => groupHealth({ entities: [] })));
    expect(
      await screen.findByText('payments-team owns no components.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows placeholders while loading and reads again on Refresh', async () => {
    const answers: Array<(group: GroupDeliveryHealth) => void> = [];
    const api = mockApi(
      () =>
        new Promise(resolve => {
          answers.push(resolve);
        }),
    );
    await renderTable(api);
    const table = await screen.findByRole('table', {
      name: 'Delivery health by component',
    });
    expect(table).toHaveAttribute('aria-busy', 'true');
    expect(screen.queryAllByRole('rowheader')).toHaveLength(0);
    await waitFor(() => expect(answers).toHaveLength(1));
    answers[0](groupHealth({ entities: [component('alpha', 90)] }));
    await screen.findByRole('link', { name: 'alpha' });

    await userEvent.click(
      screen.getByRole('button', { name: 'Refresh delivery health' }),
    );
    await waitFor(() => expect(answers).toHaveLength(2));
    // The old rows stay while the new ones load
    expect(screen.getByRole('link', { name: 'alpha' })).toBeInTheDocument();
    answers[1](groupHealth({ entities: [component('zulu', 90)] }));
    expect(
      await screen.findByRole('link', { name: 'zulu' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'alpha' })).toBeNull();
  });

  it("shows the backend's message when the group cannot be read", async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: {
            name: 'InputError',
            message: 'groupRef: group:default/payments-team is not a Group',
          },
          request: { method: 'POST', url: '/api/comet/group' },
          response: { statusCode: 400 },
        }),
        {
          status: 400,
          statusText: 'Bad Request',
          headers: { 'Content-Type': 'application/json' },
        },
      ) as any,
    );
    await renderTable(
      mockApi(async () => {
        throw error;
      }),
    );
    expect(
      await screen.findByText(/group:default\/payments-team is not a Group/),
    ).toBeInTheDocument();
  });
});
