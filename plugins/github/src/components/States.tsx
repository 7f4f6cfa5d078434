import { EmptyState } from '@backstage/core-components';
import { Box, Button, Typography } from '@material-ui/core';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import InfoOutlinedIcon from '@material-ui/icons/InfoOutlined';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '@internal/plugin-github-common';
import { isGitHubNotConfigured } from '../api';

export type ProblemProps = {
  title: string;
  message: string;
  severity?: 'error' | 'info';
  onRetry?: () => void;
};

/** A clear message in place of data: what went wrong, in the backend's words. */
export function Problem(props: ProblemProps) {
  const { title, message, severity = 'error', onRetry } = props;
  return (
    <Box
      role={severity === 'error' ? 'alert' : 'status'}
      display="flex"
      alignItems="flex-start"
      style={{ gap: 8 }}
      p={1.5}
      border={1}
      borderColor={severity === 'error' ? 'error.main' : 'info.main'}
      borderRadius={4}
    >
      {severity === 'error' ? (
        <ErrorOutlineIcon color="error" aria-hidden />
      ) : (
        <InfoOutlinedIcon color="primary" aria-hidden />
      )}
      <Box flex={1}>
        <Typography variant="subtitle2">{title}</Typography>
        <Typography variant="body2" style={{ wordBreak: 'break-word' }}>
          {message}
        </Typography>
      </Box>
      {onRetry && (
        <Button size="small" variant="outlined" onClick={onRetry}>
          Retry
        </Button>
      )}
    </Box>
  );
}

export const NOT_CONFIGURED_HINT =
  'Set integrations.github in app-config.yaml (a token or a GitHub App for each host) and restart Comet.';

export type NotConfiguredProps = {
  /** The backend's own words, when it said why. */
  message?: string;
  /** Small, for a card. */
  dense?: boolean;
};

/** GitHub is off: say which config key turns it on. */
export function NotConfigured(props: NotConfiguredProps) {
  const message = props.message?.includes('integrations.github')
    ? props.message
    : [props.message, NOT_CONFIGURED_HINT].filter(Boolean).join('. ');
  if (props.dense) {
    return (
      <Problem
        severity="info"
        title="GitHub is not configured"
        message={message}
      />
    );
  }
  return (
    <EmptyState
      missing="field"
      title="GitHub is not configured"
      description={
        <Typography component="span" variant="body1">
          {message} See docs/github.md.
        </Typography>
      }
    />
  );
}

export type MissingAnnotationProps = { dense?: boolean };

/** The entity names no GitHub repository. */
export function MissingAnnotation(props: MissingAnnotationProps) {
  const message = `Add the annotation ${GITHUB_PROJECT_SLUG_ANNOTATION}: owner/repo (e.g. comet-examples/payments-api) to this entity's catalog-info.yaml to see its pull requests and commits.`;
  if (props.dense) {
    return (
      <Problem severity="info" title="No GitHub repository" message={message} />
    );
  }
  return (
    <EmptyState
      missing="field"
      title="No GitHub repository"
      description={
        <Typography component="span" variant="body1">
          {message}
        </Typography>
      }
    />
  );
}

export type LoadErrorProps = {
  /** What cannot be shown: `Pull requests cannot be shown`. */
  title: string;
  error: Error;
  onRetry?: () => void;
  dense?: boolean;
};

/** A failed load: "not configured" gets its own state, anything else the backend's message. */
export function LoadError(props: LoadErrorProps) {
  if (isGitHubNotConfigured(props.error)) {
    return <NotConfigured message={props.error.message} dense={props.dense} />;
  }
  return (
    <Problem
      title={props.title}
      message={props.error.message}
      onRetry={props.onRetry}
    />
  );
}
