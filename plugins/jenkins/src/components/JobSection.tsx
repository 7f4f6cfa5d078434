import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JenkinsBuildSummary,
  JenkinsEntityJob,
  JenkinsJob,
  JenkinsTriggerResult,
} from '@internal/plugin-jenkins-common';
import {
  Box,
  Button,
  Chip,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@material-ui/core';
import { useEffect, useState } from 'react';
import { jenkinsApiRef } from '../api';
import { formatDuration, formatTime, shortSha } from '../format';
import { Problem } from './Problem';
import { StatusLabel } from './StatusLabel';
import { TriggerDialog } from './TriggerDialog';

export type JobSectionProps = {
  entityRef: string;
  entry: JenkinsEntityJob;
  pageSize: number;
  selected?: { job: string; number: number };
  onSelect: (build: { job: string; number: number }) => void;
  onTriggered: (result: JenkinsTriggerResult) => void;
  /** `jenkins.build.trigger` on the entity: the trigger button is shown. */
  canTrigger: boolean;
  /** Changes when builds should be reloaded (after a trigger, abort or the end of a build). */
  refreshKey: number;
};

const KIND_LABELS: Record<JenkinsJob['kind'], string> = {
  freestyle: 'Freestyle',
  pipeline: 'Pipeline',
  multibranch: 'Multibranch',
  folder: 'Folder',
  other: 'Job',
};

function triggerLabel(job: JenkinsJob, branch: string | undefined) {
  if (branch) return `Build ${branch}`;
  return job.parameters.length ? 'Build with parameters' : 'Build now';
}

/** One annotated job: its builds (with a branch filter for multibranch projects) and a trigger. */
export function JobSection(props: JobSectionProps) {
  const {
    entityRef,
    entry,
    pageSize,
    selected,
    onSelect,
    onTriggered,
    canTrigger,
    refreshKey,
  } = props;
  const api = useApi(jenkinsApiRef);
  const job = entry.job;
  const [branch, setBranch] = useState('');
  const [builds, setBuilds] = useState<JenkinsBuildSummary[]>(entry.builds);
  const [nextOffset, setNextOffset] = useState(entry.nextOffset);
  const [error, setError] = useState<string>();
  const [triggerJob, setTriggerJob] = useState<JenkinsJob>();
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    if (!branch) {
      setBuilds(entry.builds);
      setNextOffset(entry.nextOffset);
      return;
    }
    let cancelled = false;
    api
      .listBuilds({ entityRef, job: entry.jobRef, branch, limit: pageSize })
      .then(page => {
        if (cancelled) return;
        setBuilds(page.builds);
        setNextOffset(page.nextOffset);
      })
      .catch(e => !cancelled && setError(String(e.message)));
    // eslint-disable-next-line consistent-return
    return () => {
      cancelled = true;
    };
  }, [api, entityRef, entry, branch, pageSize, refreshKey]);

  const loadMore = async () => {
    if (nextOffset === undefined) return;
    setLoadingMore(true);
    try {
      const page = await api.listBuilds({
        entityRef,
        job: entry.jobRef,
        branch: branch || undefined,
        offset: nextOffset,
        limit: pageSize,
      });
      setBuilds(b => [...b, ...page.builds]);
      setNextOffset(page.nextOffset);
    } catch (e) {
      setError(String((e as Error).message));
    } finally {
      setLoadingMore(false);
    }
  };

  const openTrigger = async () => {
    setError(undefined);
    if (!job) return;
    if (job.kind !== 'multibranch' && job.kind !== 'folder') {
      setTriggerJob(job);
      return;
    }
    // A multibranch project builds through its branch jobs.
    const child =
      job.children?.find(c => (c.branch ?? c.name) === (branch || 'main')) ??
      job.children?.[0];
    if (!child) return;
    try {
      setTriggerJob(
        await api.getJob({
          entityRef,
          job: `${entry.instance}:${child.jobFullName}`,
        }),
      );
    } catch (e) {
      setError(String((e as Error).message));
    }
  };

  const title = job?.displayName ?? entry.jobFullName;
  const headingId = `jenkins-job-${entry.jobRef.replace(
    /[^A-Za-z0-9_-]/g,
    '-',
  )}`;
  const branches = job?.kind === 'multibranch' ? job.children ?? [] : [];
  return (
    <Box component="section" aria-labelledby={headingId} mb={3}>
      <Box
        display="flex"
        alignItems="center"
        flexWrap="wrap"
        style={{ gap: 8 }}
        mb={1}
      >
        <Typography variant="h6" component="h2" id={headingId}>
          {title}
        </Typography>
        <Chip size="small" label={`instance ${entry.instance}`} />
        {job && (
          <Chip size="small" variant="outlined" label={KIND_LABELS[job.kind]} />
        )}
        <Box flexGrow={1} />
        {branches.length > 0 && (
          <TextField
            select
            SelectProps={{ native: true }}
            label="Branch"
            value={branch}
            onChange={e => setBranch(e.target.value)}
            size="small"
            variant="outlined"
            id={`${headingId}-branch`}
          >
            <option value="">All branches</option>
            {branches.map(c => (
              <option key={c.jobFullName} value={c.branch}>
                {c.branch}
              </option>
            ))}
          </TextField>
        )}
        {canTrigger && job && (job.buildable || branches.length > 0) && (
          <Button variant="contained" color="primary" onClick={openTrigger}>
            {triggerLabel(
              job,
              branches.length > 0 ? branch || 'main' : undefined,
            )}
          </Button>
        )}
        {job && (
          <Link href={job.url} target="_blank" rel="noopener noreferrer">
            Open in Jenkins
          </Link>
        )}
      </Box>
      {job?.description && (
        <Typography variant="body2" color="textSecondary" gutterBottom>
          {job.description}
        </Typography>
      )}
      {entry.error && (
        <Problem
          title={`${entry.source} cannot be shown`}
          message={entry.error.message}
        />
      )}
      {error && (
        <Problem title="Jenkins answered with an error" message={error} />
      )}
      {!entry.error && builds.length === 0 && (
        <Typography variant="body2">
          No builds{branch ? ` on branch ${branch}` : ''} yet.
        </Typography>
      )}
      {builds.length > 0 && (
        <Table size="small" aria-label={`Builds of ${title}`}>
          <TableHead>
            <TableRow>
              <TableCell>Build</TableCell>
              <TableCell>Status</TableCell>
              {branches.length > 0 && <TableCell>Branch</TableCell>}
              <TableCell>Commit</TableCell>
              <TableCell>Cause</TableCell>
              <TableCell>Tests</TableCell>
              <TableCell>Started</TableCell>
              <TableCell>Duration</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {builds.map(build => {
              const isSelected =
                selected?.job === build.jobRef &&
                selected.number === build.number;
              return (
                <TableRow
                  key={`${build.jobRef}#${build.number}`}
                  selected={isSelected}
                >
                  <TableCell>
                    <Button
                      size="small"
                      aria-pressed={isSelected}
                      aria-label={`Build ${build.number}${
                        build.branch && branches.length
                          ? ` on ${build.branch}`
                          : ''
                      }, show details`}
                      onClick={() =>
                        onSelect({ job: build.jobRef, number: build.number })
                      }
                    >
                      #{build.number}
                    </Button>
                  </TableCell>
                  <TableCell>
                    <StatusLabel status={build.status} />
                  </TableCell>
                  {branches.length > 0 && <TableCell>{build.branch}</TableCell>}
                  <TableCell>
                    {build.commit ? (
                      <span title={build.commit.message}>
                        <code>{shortSha(build.commit.sha)}</code>{' '}
                        {build.commit.message}
                      </span>
                    ) : (
                      '–'
                    )}
                  </TableCell>
                  <TableCell>{build.causes[0]?.description ?? '–'}</TableCell>
                  <TableCell>
                    {build.tests
                      ? `${build.tests.passed}/${build.tests.total} passed${
                          build.tests.failed
                            ? `, ${build.tests.failed} failed`
                            : ''
                        }`
                      : '–'}
                  </TableCell>
                  <TableCell>{formatTime(build.startedAt)}</TableCell>
                  <TableCell>
                    {build.building
                      ? 'running'
                      : formatDuration(build.durationMs)}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {nextOffset !== undefined && (
        <Box mt={1}>
          <Button size="small" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? 'Loading…' : 'Show older builds'}
          </Button>
        </Box>
      )}
      {triggerJob && (
        <TriggerDialog
          open
          entityRef={entityRef}
          job={triggerJob}
          onClose={() => setTriggerJob(undefined)}
          onTriggered={result => {
            setTriggerJob(undefined);
            onTriggered(result);
          }}
        />
      )}
    </Box>
  );
}
