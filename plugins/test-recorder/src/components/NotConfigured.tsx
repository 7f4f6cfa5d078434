import { EmptyState } from '@backstage/core-components';
import { Typography } from '@material-ui/core';

export type NotConfiguredProps = { message?: string };

const DEFAULT_MESSAGE =
  'The test recorder is not configured: set testRecorder in app-config.yaml (docs/test-recorder.md)';

/** The test recorder is off: say which config key turns it on. */
export function NotConfigured(props: NotConfiguredProps) {
  return (
    <EmptyState
      missing="field"
      title="The test recorder is not configured"
      description={
        <Typography component="span" variant="body1">
          {props.message || DEFAULT_MESSAGE}
        </Typography>
      }
    />
  );
}
