import { usePermission } from '@backstage/plugin-permission-react';
import { jiraIssueCreatePermission } from '@internal/plugin-jira-common';

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
