import type {
  EditorAction,
  EditorActionProps,
} from '@internal/plugin-pipelines-react';
import { ComponentType, lazy, Suspense, useMemo } from 'react';
import { ExtensionErrorBoundary } from './ExtensionErrorBoundary';

// One lazy component per action, so the editor opened twice loads each action's code once
const lazyActions = new WeakMap<
  EditorAction,
  ComponentType<EditorActionProps>
>();
function lazyAction(action: EditorAction) {
  let component = lazyActions.get(action);
  if (!component) {
    component = lazy(() => action.loader().then(c => ({ default: c })));
    lazyActions.set(action, component);
  }
  return component;
}

export type EditorActionsProps = EditorActionProps & {
  actions?: readonly EditorAction[];
};

/** The actions other plugins attached to the editor's toolbar, in the order the app lists them. */
export function EditorActions(props: EditorActionsProps) {
  const { actions = [], ...actionProps } = props;
  const components = useMemo(() => actions.map(lazyAction), [actions]);
  return (
    <>
      {components.map((Action, index) => (
        <ExtensionErrorBoundary key={index} title="An action of the editor">
          <Suspense fallback={null}>
            <Action {...actionProps} />
          </Suspense>
        </ExtensionErrorBoundary>
      ))}
    </>
  );
}
