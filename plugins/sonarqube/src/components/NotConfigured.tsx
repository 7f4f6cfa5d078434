import { EmptyState } from '@backstage/core-components';
import { Typography } from '@material-ui/core';

export type NotConfiguredProps = { message: string };

/** SonarQube is off: say which config key turns it on. */
export function NotConfigured(props: NotConfiguredProps) {
  return (
    <EmptyState
      missing="field"
      title="SonarQube is not configured"
      description={
        <Typography component="span" variant="body1">
          {props.message}. See docs/sonarqube.md.
        </Typography>
      }
    />
  );
}
