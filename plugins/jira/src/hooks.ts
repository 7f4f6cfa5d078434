import { usePermission } from '@backstage/plugin-permission-react';
import {
  jiraIssueCreatePermission,
  jiraIssueUpdatePermission,
} from '@internal/plugin-jira-common';

/**
 * Whether the signed-in user may create issues for the entity. Until the answer is in, the
 * create buttons stay hidden (the backend refuses anyway).
 */
export function useCanCreateIssue(entityRef: string): boolean {
  const { allowed } = usePermission({
    permission: jiraIssueCreatePermission,
    resourceRef: entityRef,
  });
  return allowed;
}

/**
 * Whether the signed-in user may transition, comment on and attach to the entity's issues.
 * Until the answer is in, those controls stay hidden (the backend refuses anyway).
 */
export function useCanUpdateIssue(entityRef: string): boolean {
  const { allowed } = usePermission({
    permission: jiraIssueUpdatePermission,
    resourceRef: entityRef,
  });
  return allowed;
}
