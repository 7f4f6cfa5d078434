import { coreApis } from '@backstage/frontend-plugin-api';
import {
  mockApis,
  renderInTestApp,
  TestAppRenderResult,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type { Entity } from '@backstage/catalog-model';
import type { ReactElement } from 'react';
import { aiAssistantApiRef } from '../api';
import { rootRouteRef } from '../routes';
import { FakeAiAssistantBackend } from './FakeAiAssistantBackend';

export type RenderOptions = {
  /** Permission names the user lacks. */
  deny?: string[];
  initialRouteEntries?: string[];
  entity?: Entity;
};

export type RenderedWithBackend = TestAppRenderResult & {
  /** The permissions the UI asked about, in order. */
  decided: string[];
  /** The app's current location, e.g. `/ai-assistant?conversation=…`. */
  location: () => string;
};

/** Renders `element` in a test app whose assistant API talks to `backend`. */
export function renderWithBackend(
  element: ReactElement,
  backend: FakeAiAssistantBackend,
  options: RenderOptions = {},
): RenderedWithBackend {
  const deny = options.deny ?? [];
  const decided: string[] = [];
  const permissionApi = mockApis.permission.mock({
    authorize: async request => {
      decided.push(request.permission.name);
      return {
        result: (deny.includes(request.permission.name)
          ? 'DENY'
          : 'ALLOW') as any,
      };
    },
  });
  const rendered = renderInTestApp(
    options.entity ? (
      <EntityProvider entity={options.entity}>{element}</EntityProvider>
    ) : (
      element
    ),
    {
      apis: [
        [aiAssistantApiRef, backend.api],
        [permissionApiRef, permissionApi],
      ],
      initialRouteEntries: options.initialRouteEntries,
      mountedRoutes: { '/ai-assistant': rootRouteRef },
    },
  );
  const history = rendered.apis.get(coreApis.appHistory)!;
  return Object.assign(rendered, {
    decided,
    location: () => {
      const { pathname, search } = history.getSnapshot().location;
      return `${pathname}${search}`;
    },
  });
}
