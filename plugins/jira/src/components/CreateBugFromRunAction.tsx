import { useApi } from '@backstage/frontend-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import type { JiraCreatedIssue } from '@internal/plugin-jira-common';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import type { RunPageActionProps } from '@internal/plugin-pipelines-react';
import { useLoader } from '@internal/react-common';
import { Button } from '@material-ui/core';
import BugReportIcon from '@material-ui/icons/BugReport';
import { useState } from 'react';
import { hasJiraProjectKey } from '../filters';
import { useCanCreateIssue } from '../hooks';
import { CreatedIssueSnackbar } from './CreatedIssueSnackbar';
import { CreateIssueDialog } from './CreateIssueDialog';

/** The first failed job of the run and its first failed step. */
export function failurePoint(run: PipelineRun) {
  const job = run.jobs.find(j => j.status === 'failed');
  const step = job?.steps.find(s => s.status === 'failed');
  return { job, step };
}

/** `Pipeline <name> #<n> failed: <job>/<step>` (Jira allows 255 characters). */
export function bugSummary(run: PipelineRun): string {
  const { job, step } = failurePoint(run);
  const where = job ? `${job.name}${step ? `/${step.name}` : ''}` : undefined;
  const text = `Pipeline ${run.pipeline} #${run.number ?? run.runId} failed${
    where ? `: ${where}` : ''
  }`;
  return text.length > 255 ? `${text.slice(0, 254)}…` : text;
}

/** Markdown: where the run is, what failed and why, for whoever picks the bug up. */
export function bugDescription(run: PipelineRun, runUrl: string): string {
  const { job, step } = failurePoint(run);
  const error = step?.error ?? job?.error ?? run.error;
  const lines = [
    `Pipeline **${run.pipeline}** run #${run.number ?? run.runId} failed.`,
    '',
    `- Run: [${runUrl}](${runUrl})`,
    `- Entity: ${run.entityRef}`,
  ];
  if (run.branch) lines.push(`- Branch: ${run.branch}`);
  if (run.commit) {
    const sha = run.commit.sha.slice(0, 12);
    lines.push(
      `- Commit: ${run.commit.url ? `[${sha}](${run.commit.url})` : sha}${
        run.commit.message ? ` ${run.commit.message.split('\n')[0]}` : ''
      }`,
    );
  }
  if (job) lines.push(`- Failing job: ${job.name}`);
  if (step) {
    lines.push(
      `- Failing step: ${step.name}${
        step.exitCode !== undefined ? ` (exit code ${step.exitCode})` : ''
      }`,
    );
  }
  if (error) lines.push('', '```', error, '```');
  if (run.links.length) {
    lines.push('', ...run.links.map(link => `- [${link.title}](${link.url})`));
  }
  return lines.join('\n');
}

function CreateBugButton(props: { run: PipelineRun }) {
  const { run } = props;
  const catalogApi = useApi(catalogApiRef);
  const entity = useLoader(
    () => catalogApi.getEntityByRef(run.entityRef),
    [catalogApi, run.entityRef],
  );
  const canCreate = useCanCreateIssue(run.entityRef);
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<JiraCreatedIssue>();
  // Only for entities with Jira projects, and users who may create there
  if (!entity.value || !hasJiraProjectKey(entity.value) || !canCreate) {
    return null;
  }
  // The action is on the run's own page: its address is the run's link
  const runUrl = `${window.location.origin}${window.location.pathname}`;
  return (
    <>
      <Button
        variant="outlined"
        startIcon={<BugReportIcon />}
        onClick={() => setOpen(true)}
      >
        Create Jira bug
      </Button>
      <CreateIssueDialog
        open={open}
        title="Create Jira bug"
        entityRef={run.entityRef}
        initial={{
          issueType: 'Bug',
          summary: bugSummary(run),
          description: bugDescription(run, runUrl),
        }}
        onClose={() => setOpen(false)}
        onCreated={issue => {
          setOpen(false);
          setCreated(issue);
        }}
      />
      <CreatedIssueSnackbar
        issue={created}
        onClose={() => setCreated(undefined)}
      />
    </>
  );
}

/** "Create Jira bug" in a failed run's header, prefilled with the run and its failing step. */
export function CreateBugFromRunAction(props: RunPageActionProps) {
  if (props.run.status !== 'failed') return null;
  return <CreateBugButton run={props.run} />;
}
