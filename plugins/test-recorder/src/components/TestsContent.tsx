import { ErrorBoundary, Link, Progress } from '@backstage/core-components';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi, useAppNavigate } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Box, Button, Tooltip, Typography } from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import { testRecorderSuiteRecordPermission } from '@internal/plugin-test-recorder-common';
import type {
  SuiteListAction,
  SuiteListActionProps,
} from '@internal/plugin-test-recorder-react';
import { useLoader } from '@internal/react-common';
import { type ComponentType, lazy, Suspense } from 'react';
import { testRecorderApiRef, TestRecorderApiError } from '../api';
import { useAllowed } from '../hooks';
import { useTestRecorderLinks } from '../links';
import { NotConfigured } from './NotConfigured';
import { ProblemAlert } from './ProblemAlert';
import { SuiteSummaryRow } from './SuiteSummaryRow';

function isNotConfigured(error: unknown) {
  return (
    error instanceof TestRecorderApiError &&
    error.status === 503 &&
    error.errorName === 'NotConfigured'
  );
}

// One lazy component per attached action, so the tab opened twice loads its code once
const lazyActions = new WeakMap<
  SuiteListAction,
  ComponentType<SuiteListActionProps>
>();
function lazyAction(action: SuiteListAction) {
  let component = lazyActions.get(action);
  if (!component) {
    component = lazy(() => action.loader().then(c => ({ default: c })));
    lazyActions.set(action, component);
  }
  return component;
}

export type TestsContentProps = {
  /** Buttons other plugins attached to the toolbar (`SuiteListActionBlueprint`). */
  actions?: readonly SuiteListAction[];
};

/** The Tests tab: the entity's suites, their latest results and history, what is missing. */
export function TestsContent(props: TestsContentProps = {}) {
  const { actions = [] } = props;
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  const navigate = useAppNavigate();
  const mayRecord = useAllowed(testRecorderSuiteRecordPermission, entityRef);
  const state = useLoader(
    () => Promise.all([api.getConfig(), api.getEntitySuites(entityRef)]),
    [api, entityRef],
  );

  if (state.error) {
    if (isNotConfigured(state.error)) {
      return <NotConfigured message={state.error.message} />;
    }
    return (
      <ProblemAlert error={state.error} title="The suites cannot be shown" />
    );
  }
  if (!state.value) return <Progress />;
  const [config, { suites, missing }] = state.value;
  if (!config.enabled) return <NotConfigured />;

  let recordDisabledReason: string | undefined;
  if (!config.sandboxAvailable) {
    recordDisabledReason = 'Recording needs the sandbox, which is unavailable';
  } else if (!mayRecord) {
    recordDisabledReason =
      'You may not record tests for this entity (test-recorder.suite.record)';
  }

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 16 }}>
      {!config.sandboxAvailable && (
        <Alert severity="warning">
          <AlertTitle>Tests cannot be recorded or run here</AlertTitle>
          {config.sandboxUnavailableReason ??
            'The pipelines sandbox is unavailable on this backend.'}
        </Alert>
      )}
      <Box display="flex" justifyContent="space-between" alignItems="center">
        <Typography variant="h5">Browser tests</Typography>
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          {actions.map((action, index) => {
            const Action = lazyAction(action);
            return (
              <ErrorBoundary key={index}>
                <Suspense fallback={null}>
                  <Action
                    entityRef={entityRef}
                    suiteNames={suites.map(suite => suite.name)}
                    onSuitesChanged={state.retry}
                  />
                </Suspense>
              </ErrorBoundary>
            );
          })}
          <Tooltip title={recordDisabledReason ?? ''}>
            <span>
              <Button
                variant="outlined"
                color="primary"
                disabled={Boolean(recordDisabledReason)}
                onClick={() => navigate(links.recorder({ entityRef }))}
              >
                Record a new test
              </Button>
            </span>
          </Tooltip>
        </Box>
      </Box>
      {suites.length === 0 && missing.length === 0 && (
        <Typography color="textSecondary">
          No suites yet: record a test to create one.
        </Typography>
      )}
      {suites.map(suite => (
        <SuiteSummaryRow
          key={suite.name}
          suite={suite}
          canRunHere={config.sandboxAvailable}
        />
      ))}
      {missing.length > 0 && (
        <Alert severity="info">
          <AlertTitle>Suites named in the annotation but not here</AlertTitle>
          <ul aria-label="Missing suites">
            {missing.map(entry => (
              <li key={entry.name}>
                <strong>{entry.name}</strong>:{' '}
                {entry.reason === 'owned-by-another-entity' ? (
                  <>
                    belongs to {entry.ownerEntityRef ?? 'another entity'};
                    remove it from this entity's annotation or record a suite
                    with another name
                  </>
                ) : (
                  <>
                    does not exist yet.{' '}
                    {recordDisabledReason ? (
                      recordDisabledReason
                    ) : (
                      <Link
                        to={links.recorder({ entityRef, suite: entry.name })}
                        aria-label={`Record ${entry.name}`}
                      >
                        Record it
                      </Link>
                    )}
                  </>
                )}
              </li>
            ))}
          </ul>
        </Alert>
      )}
    </Box>
  );
}
