import { EmptyState } from '@backstage/core-components';
import { ANNOTATION_JIRA_PROJECT_KEY } from '@internal/plugin-jira-common';
import { Box, Typography } from '@material-ui/core';

export type MissingAnnotationProps = {
  /** Why the annotation cannot be used (a parse error, the backend's 404); absent when missing. */
  message?: string;
};

const EXAMPLE = `metadata:
  annotations:
    ${ANNOTATION_JIRA_PROJECT_KEY}: PAY            # or jira-dc/PAY,OPS for several
    jira/component: payments-api        # optional: narrow to a component
    jira/label: payments                # optional: narrow to a label`;

/** The entity names no usable Jira project: say what to add to catalog-info.yaml. */
export function MissingAnnotation(props: MissingAnnotationProps) {
  return (
    <EmptyState
      missing="field"
      title={
        props.message
          ? `The ${ANNOTATION_JIRA_PROJECT_KEY} annotation cannot be used`
          : `Add ${ANNOTATION_JIRA_PROJECT_KEY} to show Jira issues`
      }
      description={
        <Box component="span" display="block">
          <Typography component="span" variant="body1" display="block">
            {props.message ??
              `Add ${ANNOTATION_JIRA_PROJECT_KEY} ([instance/]KEY[,…]) to this entity's catalog-info.yaml, for example:`}
          </Typography>
          <Box
            component="pre"
            aria-label={`Example ${ANNOTATION_JIRA_PROJECT_KEY} annotation`}
            mt={1}
            p={1}
            style={{ overflowX: 'auto' }}
          >
            {EXAMPLE}
          </Box>
        </Box>
      }
    />
  );
}
