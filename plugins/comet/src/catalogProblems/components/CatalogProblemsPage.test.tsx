import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  CATALOG_FILTER_EXISTS,
  catalogApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  goodEntity,
  ledgerEntity,
  TYPO_MESSAGE,
  typoEntity,
} from '../__testUtils__/entities';
import { CatalogProblemsPage } from './CatalogProblemsPage';

jest.setTimeout(60_000);

async function renderPage(catalogApi: object) {
  return renderInTestApp(<CatalogProblemsPage />, {
    apis: [[catalogApiRef, catalogApi]],
    mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
  });
}

function rowOf(linkName: string) {
  return within(
    screen.getByRole('rowheader', { name: linkName }).closest('tr')!,
  );
}

/** Resolves when the test says so. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('CatalogProblemsPage', () => {
  it("lists the entities the catalog's filter finds, with their owners and Comet problems", async () => {
    // The in-memory catalog applies the page's real filter: payments-api has no count
    await renderPage(
      catalogApiMock({ entities: [goodEntity, typoEntity, ledgerEntity] }),
    );

    const typoLink = await screen.findByRole('link', {
      name: 'e2e-annotation-typo',
    });
    expect(typoLink).toHaveAttribute(
      'href',
      '/catalog/default/component/e2e-annotation-typo',
    );
    expect(screen.getByRole('link', { name: 'Ledger worker' })).toHaveAttribute(
      'href',
      '/catalog/ops/component/ledger-worker',
    );
    expect(
      screen.queryByRole('link', { name: 'payments-api' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByText('2 entities have annotation problems.'),
    ).toBeInTheDocument();

    // Sorted by entity ref: component:default/… before component:ops/…
    expect(
      screen.getAllByRole('rowheader').map(cell => cell.textContent),
    ).toEqual(['e2e-annotation-typo', 'Ledger worker']);

    const typo = rowOf('e2e-annotation-typo');
    expect(typo.getByRole('link', { name: 'payments-team' })).toHaveAttribute(
      'href',
      '/catalog/default/group/payments-team',
    );
    expect(typo.getAllByRole('listitem').map(item => item.textContent)).toEqual(
      [`Error in jenkins.io/job-full-name: ${TYPO_MESSAGE}`],
    );
    // Another processor's problem is not Comet's
    expect(typo.queryByText(/from another processor/)).not.toBeInTheDocument();

    const ledger = rowOf('Ledger worker');
    expect(ledger.getByRole('link', { name: 'user:ada' })).toHaveAttribute(
      'href',
      '/catalog/default/user/ada',
    );
    // Errors before warnings
    expect(
      ledger.getAllByRole('listitem').map(item => item.textContent),
    ).toEqual([
      'Error in comet.dev/pipelines: The comet.dev/pipelines path "../x.yaml" leaves the repository',
      'Warning in sonarqube.org/project-key: SonarQube is not configured on this portal (sonarqube.instances)',
    ]);
  });

  it('asks the catalog for the entities with a problem count, and only the fields it shows', async () => {
    const catalogApi = catalogApiMock.mock({
      getEntities: jest.fn(async () => ({ items: [] })),
    });
    await renderPage(catalogApi);
    await screen.findByText(/^No annotation problems/);
    expect(catalogApi.getEntities).toHaveBeenCalledTimes(1);
    expect(catalogApi.getEntities).toHaveBeenCalledWith({
      filter: {
        'metadata.annotations.comet.dev/annotation-problems':
          CATALOG_FILTER_EXISTS,
      },
      fields: [
        'kind',
        'metadata.namespace',
        'metadata.name',
        'metadata.title',
        'spec.owner',
        'status',
      ],
    });
  });

  it('says so when no entity has a problem, naming the docs', async () => {
    await renderPage(catalogApiMock({ entities: [goodEntity] }));
    expect(
      await screen.findByText(
        'No annotation problems: every Comet annotation in the catalog parses and names a configured instance. What is checked, and how: docs/annotations.md.',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('links to Unprocessed Entities for entities that failed to process entirely', async () => {
    await renderPage(catalogApiMock({ entities: [] }));
    expect(
      await screen.findByText(
        /Entities that failed to process entirely are under/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Unprocessed Entities' }),
    ).toHaveAttribute('href', '/catalog-unprocessed-entities');
    expect(
      screen.getByRole('heading', { name: 'Catalog problems' }),
    ).toBeInTheDocument();
  });

  it('shows a progress bar while the catalog answers', async () => {
    const answer = deferred<{ items: Entity[] }>();
    await renderPage(
      catalogApiMock.mock({ getEntities: jest.fn(() => answer.promise) }),
    );
    expect(
      await screen.findByRole('progressbar', {
        name: 'Loading the entities with annotation problems',
      }),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Refresh' })).toBeDisabled();

    answer.resolve({ items: [typoEntity] });
    expect(
      await screen.findByRole('link', { name: 'e2e-annotation-typo' }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(
      screen.getByText('1 entity has annotation problems.'),
    ).toBeInTheDocument();
  });

  it("shows the catalog's error", async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'NotAllowedError', message: 'catalog.entity.read' },
          request: { method: 'GET', url: '/api/catalog/entities/by-query' },
          response: { statusCode: 403 },
        }),
        { status: 403, headers: { 'Content-Type': 'application/json' } },
      ),
    );
    await renderPage(
      catalogApiMock.mock({ getEntities: jest.fn().mockRejectedValue(error) }),
    );
    expect(
      (await screen.findAllByText(/catalog\.entity\.read/)).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('reads the catalog again on Refresh, reached with the keyboard', async () => {
    const getEntities = jest
      .fn()
      .mockResolvedValueOnce({ items: [typoEntity] })
      .mockResolvedValueOnce({ items: [] });
    await renderPage(catalogApiMock.mock({ getEntities }));
    await screen.findByRole('link', { name: 'e2e-annotation-typo' });

    const user = userEvent.setup();
    // Tab order: the Unprocessed Entities link, then Refresh
    await user.tab();
    expect(
      screen.getByRole('link', { name: 'Unprocessed Entities' }),
    ).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Refresh' })).toHaveFocus();
    await user.keyboard('{Enter}');

    expect(await screen.findByText(/^No annotation problems/)).toBeVisible();
    expect(getEntities).toHaveBeenCalledTimes(2);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Refresh' })).toBeEnabled(),
    );
  });

  it('shows an owner that is no entity ref as written, and an entity whose status has no Comet problem', async () => {
    const odd: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'odd',
        annotations: { 'comet.dev/annotation-problems': '1' },
      },
      spec: { owner: 'x:' },
    };
    const ownerless: Entity = {
      ...odd,
      metadata: { ...odd.metadata, name: 'ownerless' },
      spec: {},
    };
    await renderPage(catalogApiMock({ entities: [odd, ownerless] }));
    await screen.findByRole('link', { name: 'odd' });
    const oddRow = rowOf('odd');
    expect(oddRow.getByText('x:')).toBeInTheDocument();
    expect(
      oddRow.getByText('Its status lists no Comet annotation problem.'),
    ).toBeInTheDocument();
    expect(rowOf('ownerless').getByText('No owner')).toBeInTheDocument();
  });
});
