import { MarkdownContent, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  JiraReleaseNotes,
  JiraVersion,
} from '@internal/plugin-jira-common';
import { useLoader } from '@internal/react-common';
import {
  Box,
  Button,
  FormControl,
  InputLabel,
  MenuItem,
  Select,
  Typography,
} from '@material-ui/core';
import FileCopyIcon from '@material-ui/icons/FileCopy';
import GetAppIcon from '@material-ui/icons/GetApp';
import { useState } from 'react';
import { jiraApiRef } from '../api';
import { formatDate, releaseNotesFileName } from '../format';
import { JiraProblem } from './JiraProblem';

/** One entry per version name (the same fix version in several projects is one release). */
function versionOptions(versions: JiraVersion[]) {
  const byName = new Map<string, JiraVersion[]>();
  for (const version of versions) {
    byName.set(version.name, [...(byName.get(version.name) ?? []), version]);
  }
  return Array.from(byName, ([name, all]) => {
    const released = all.every(v => v.released);
    const date = all.find(v => v.releaseDate)?.releaseDate;
    const projects = all.map(v => v.projectKey).join(', ');
    return {
      name,
      label: `${name} (${projects}, ${released ? 'released' : 'unreleased'}${
        date ? ` ${formatDate(date)}` : ''
      })`,
    };
  });
}

function download(notes: JiraReleaseNotes) {
  const blob = new Blob([notes.markdown], {
    type: 'text/markdown;charset=utf-8',
  });
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = releaseNotesFileName(notes.version);
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  URL.revokeObjectURL(url);
}

function Notes(props: { entityRef: string; version: string }) {
  const { entityRef, version } = props;
  const api = useApi(jiraApiRef);
  const notes = useLoader(
    () => api.getReleaseNotes({ entityRef, version }),
    [api, entityRef, version],
  );
  const [copyState, setCopyState] = useState<string>();
  if (notes.error) {
    return (
      <JiraProblem
        error={notes.error}
        title={`Release notes of ${version} cannot be shown`}
      />
    );
  }
  if (!notes.value) return <Progress />;
  const value = notes.value;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value.markdown);
      setCopyState(`Release notes of ${value.version} copied`);
    } catch (e) {
      setCopyState(
        `Could not copy to the clipboard (${
          (e as Error).message
        }); use Download instead`,
      );
    }
  };
  return (
    <Box>
      <Box display="flex" alignItems="center" style={{ gap: 8 }} mb={1}>
        <Button
          variant="outlined"
          size="small"
          startIcon={<FileCopyIcon />}
          onClick={copy}
        >
          Copy
        </Button>
        <Button
          variant="outlined"
          size="small"
          startIcon={<GetAppIcon />}
          onClick={() => download(value)}
        >
          Download
        </Button>
        <Typography variant="body2" role="status">
          {copyState ?? ''}
        </Typography>
      </Box>
      {value.markdown.trim() ? (
        <Box
          aria-label={`Release notes of ${value.version}`}
          role="region"
          border={1}
          borderColor="divider"
          borderRadius={4}
          px={2}
        >
          <MarkdownContent content={value.markdown} linkTarget="_blank" />
        </Box>
      ) : (
        <Typography variant="body2">
          No issues have the fix version {value.version}.
        </Typography>
      )}
    </Box>
  );
}

export type ReleaseNotesProps = { entityRef: string };

/** Pick a fix version; its issues as Markdown grouped by type, to copy or download. */
export function ReleaseNotes(props: ReleaseNotesProps) {
  const { entityRef } = props;
  const api = useApi(jiraApiRef);
  const versions = useLoader(
    () => api.getVersions(entityRef),
    [api, entityRef],
  );
  const [version, setVersion] = useState('');
  if (versions.error) {
    return (
      <JiraProblem
        error={versions.error}
        title="Fix versions cannot be listed"
      />
    );
  }
  if (!versions.value) return <Progress />;
  const options = versionOptions(versions.value.versions);
  if (options.length === 0) {
    return (
      <Typography variant="body2">
        The entity's projects have no fix versions yet.
      </Typography>
    );
  }
  return (
    <Box>
      <FormControl style={{ minWidth: 320 }}>
        <InputLabel id="jira-release-version-label">Fix version</InputLabel>
        <Select
          labelId="jira-release-version-label"
          id="jira-release-version"
          value={version}
          onChange={e => setVersion(String(e.target.value))}
        >
          {options.map(option => (
            <MenuItem key={option.name} value={option.name}>
              {option.label}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
      <Box mt={2}>
        {version ? (
          <Notes key={version} entityRef={entityRef} version={version} />
        ) : (
          <Typography variant="body2" color="textSecondary">
            Pick a fix version to see its release notes.
          </Typography>
        )}
      </Box>
    </Box>
  );
}
