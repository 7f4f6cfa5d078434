import { EmptyState } from '@backstage/core-components';
import { Typography } from '@material-ui/core';

export type NotConfiguredProps = { message?: string };

const DEFAULT_MESSAGE =
  'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)';

/** Jira is off: say which config key turns it on (the backend's own words when it gave them). */
export function NotConfigured(props: NotConfiguredProps) {
  return (
    <EmptyState
      missing="field"
      title="Jira is not configured"
      description={
        <Typography component="span" variant="body1">
          {props.message || DEFAULT_MESSAGE}
        </Typography>
      }
    />
  );
}
