import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
  TestAppRenderResult,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type { ReactElement } from 'react';
import { TestRecorderApi, testRecorderApiRef } from '../api';
import { entity as defaultEntity } from './fixtures';

export type RenderOptions = {
  entity?: any;
  /** Permission names the user lacks. */
  deny?: string[];
  initialRouteEntries?: string[];
};

/** Renders `element` in a test app with the fake API, an entity and the permissions given. */
export function renderWith(
  element: ReactElement,
  api: TestRecorderApi,
  options: RenderOptions = {},
): TestAppRenderResult & { asked: string[] } {
  const deny = options.deny ?? [];
  const asked: string[] = [];
  const permissionApi = mockApis.permission.mock({
    authorize: async request => {
      asked.push(`${request.permission.name} ${(request as any).resourceRef}`);
      return {
        result: (deny.includes(request.permission.name)
          ? 'DENY'
          : 'ALLOW') as any,
      };
    },
  });
  const result = renderInTestApp(
    <TestApiProvider
      apis={[
        [testRecorderApiRef, api],
        [permissionApiRef, permissionApi],
      ]}
    >
      <EntityProvider entity={options.entity ?? defaultEntity}>
        {element}
      </EntityProvider>
    </TestApiProvider>,
    { initialRouteEntries: options.initialRouteEntries },
  );
  return Object.assign(result, { asked });
}
