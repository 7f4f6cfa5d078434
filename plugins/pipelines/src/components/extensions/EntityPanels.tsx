import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import type { Entity } from '@backstage/catalog-model';
import type { EntityPanel } from '@internal/plugin-pipelines-react';
import { ComponentType, lazy, Suspense, useMemo } from 'react';
import { ExtensionErrorBoundary } from './ExtensionErrorBoundary';

const lazyPanels = new WeakMap<EntityPanel, ComponentType>();
function lazyPanel(panel: EntityPanel) {
  let component = lazyPanels.get(panel);
  if (!component) {
    component = lazy(() =>
      panel.loader().then(element => ({ default: () => element })),
    );
    lazyPanels.set(panel, component);
  }
  return component;
}

export type EntityPanelsProps = {
  entity: Entity;
  panels?: readonly EntityPanel[];
};

/** The panels other plugins attached to the CI/CD tab that apply to this entity. */
export function EntityPanels(props: EntityPanelsProps) {
  const { entity, panels = [] } = props;
  const shown = useMemo(
    () =>
      panels
        // The position among the attached panels keys it: titles need not be unique
        .map((panel, position) => ({ panel, position }))
        .filter(({ panel }) => !panel.appliesTo || panel.appliesTo(entity))
        .map(({ panel, position }) => ({
          position,
          title: panel.title,
          Panel: lazyPanel(panel),
        })),
    [panels, entity],
  );
  return (
    <>
      {shown.map(({ position, title, Panel }) => (
        <Box key={position}>
          <ExtensionErrorBoundary title={title}>
            <Suspense
              fallback={<LinearProgress aria-label={`Loading ${title}`} />}
            >
              <Panel />
            </Suspense>
          </ExtensionErrorBoundary>
        </Box>
      ))}
    </>
  );
}
