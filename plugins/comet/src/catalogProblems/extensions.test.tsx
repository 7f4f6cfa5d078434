import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import cometPlugin from '../index';
import { goodEntity, TYPO_MESSAGE, typoEntity } from './__testUtils__/entities';
import { catalogProblemsPage, catalogProblemsRouteRef } from './extensions';

jest.setTimeout(60_000);

describe('catalog-problems extensions', () => {
  it('are in the comet plugin as page:comet/catalog-problems', () => {
    expect(
      cometPlugin.getExtension('page:comet/catalog-problems' as any),
    ).toBeDefined();
  });

  it('mounts the page at /catalog-problems with the title and icon the sidebar shows', () => {
    const page = createExtensionTester(catalogProblemsPage);
    expect(page.get(coreExtensionData.routePath)).toBe('/catalog-problems');
    expect(page.get(coreExtensionData.routeRef)).toBe(catalogProblemsRouteRef);
    expect(page.get(coreExtensionData.title)).toBe('Catalog problems');
    expect(page.get(coreExtensionData.icon)).toBeDefined();
  });

  it('is a sidebar item that opens the page, which loads lazily', async () => {
    renderTestApp({
      extensions: [catalogProblemsPage],
      apis: [
        [catalogApiRef, catalogApiMock({ entities: [goodEntity, typoEntity] })],
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });
    const navItem = await screen.findByRole('link', {
      name: 'Catalog problems',
    });
    expect(navItem).toHaveAttribute('href', '/catalog-problems');

    await userEvent.setup().click(navItem);
    expect(
      await screen.findByRole('link', { name: 'e2e-annotation-typo' }),
    ).toHaveAttribute('href', '/catalog/default/component/e2e-annotation-typo');
    expect(
      screen.getByText(TYPO_MESSAGE, { exact: false }),
    ).toBeInTheDocument();
  });
});
