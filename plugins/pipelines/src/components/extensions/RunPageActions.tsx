import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type {
  RunPageAction,
  RunPageActionProps,
} from '@internal/plugin-pipelines-react';
import {
  ComponentType,
  createContext,
  lazy,
  ReactNode,
  Suspense,
  useContext,
  useMemo,
} from 'react';
import { ExtensionErrorBoundary } from './ExtensionErrorBoundary';

const RunPageActionsContext = createContext<readonly RunPageAction[]>([]);

/** The run-page actions other plugins attached to the pipelines page. */
export function RunPageActionsProvider(props: {
  actions?: readonly RunPageAction[];
  children: ReactNode;
}) {
  return (
    <RunPageActionsContext.Provider value={props.actions ?? []}>
      {props.children}
    </RunPageActionsContext.Provider>
  );
}

// One lazy component per action, so a run page opened twice loads each action's code once
const lazyActions = new WeakMap<
  RunPageAction,
  ComponentType<RunPageActionProps>
>();
function lazyAction(action: RunPageAction) {
  let component = lazyActions.get(action);
  if (!component) {
    component = lazy(() => action.loader().then(c => ({ default: c })));
    lazyActions.set(action, component);
  }
  return component;
}

/** The attached actions for a run, in the order the app lists them. */
export function RunPageActions(props: { run: PipelineRun }) {
  const actions = useContext(RunPageActionsContext);
  const components = useMemo(() => actions.map(lazyAction), [actions]);
  return (
    <>
      {components.map((Action, index) => (
        <ExtensionErrorBoundary key={index} title="An action of this run">
          <Suspense fallback={null}>
            <Action run={props.run} />
          </Suspense>
        </ExtensionErrorBoundary>
      ))}
    </>
  );
}
