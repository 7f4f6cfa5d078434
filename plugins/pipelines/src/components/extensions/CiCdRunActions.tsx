import type {
  CiCdRunAction,
  CiCdRunActionProps,
} from '@internal/plugin-pipelines-react';
import { ComponentType, lazy, Suspense } from 'react';
import { ExtensionErrorBoundary } from './ExtensionErrorBoundary';

// One lazy component per action: every row of every page shares its loaded code
const lazyActions = new WeakMap<
  CiCdRunAction,
  ComponentType<CiCdRunActionProps>
>();
function lazyAction(action: CiCdRunAction) {
  let component = lazyActions.get(action);
  if (!component) {
    component = lazy(() => action.loader().then(c => ({ default: c })));
    lazyActions.set(action, component);
  }
  return component;
}

export type CiCdRunActionsProps = CiCdRunActionProps & {
  actions?: readonly CiCdRunAction[];
};

/** Whether any of the attached actions is for one of these runs' providers. */
export function hasRunActionsFor(
  actions: readonly CiCdRunAction[] | undefined,
  runs: ReadonlyArray<{ provider: string }>,
) {
  return (actions ?? []).some(action =>
    runs.some(run => run.provider === action.provider),
  );
}

/** The attached actions for one run of the CI/CD list: those of the run's provider. */
export function CiCdRunActions(props: CiCdRunActionsProps) {
  const { actions = [], run, onChanged } = props;
  const own = actions.filter(action => action.provider === run.provider);
  return (
    <>
      {own.map((action, index) => {
        const Action = lazyAction(action);
        return (
          <ExtensionErrorBoundary key={index} title="An action of this run">
            <Suspense fallback={null}>
              <Action run={run} onChanged={onChanged} />
            </Suspense>
          </ExtensionErrorBoundary>
        );
      })}
    </>
  );
}
