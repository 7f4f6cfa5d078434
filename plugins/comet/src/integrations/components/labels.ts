import type { WiringAnnotation } from '@internal/plugin-comet-common';

/** How each wiring annotation is called on the card. */
export const FIELD_LABELS: Record<WiringAnnotation, string> = {
  'jira/project-key': 'Jira project',
  'jira/component': 'Jira component',
  'jenkins.io/job-full-name': 'Jenkins job',
  'sonarqube.org/project-key': 'SonarQube project',
  'comet.dev/test-suites': 'Test suites',
  'comet.dev/pipelines': 'Pipeline files',
};

/** The backend's own message, without the status line the client adds. */
export function messageOf(error: unknown): string {
  return (
    (error as { body?: { error?: { message?: string } } }).body?.error
      ?.message ?? (error as Error).message
  );
}
