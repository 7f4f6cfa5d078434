import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Button, MenuItem, TextField } from '@material-ui/core';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { ProblemAlert } from './ProblemAlert';

export type SuiteCodePanelProps = {
  suiteName: string;
  /** A past version; the current one otherwise. */
  version?: number;
};

/** The suite rendered as a Playwright project, read-only, and the project as a zip. */
export function SuiteCodePanel(props: SuiteCodePanelProps) {
  const { suiteName, version } = props;
  const api = useApi(testRecorderApiRef);
  const code = useLoader(
    () => api.getCode(suiteName, version),
    [api, suiteName, version],
  );
  const [path, setPath] = useState<string | undefined>();
  const [downloadError, setDownloadError] = useState<Error | undefined>();

  const download = async () => {
    setDownloadError(undefined);
    try {
      const url = await api.getExportObjectUrl(suiteName, version);
      // The export needs the bearer token, so it is fetched, then saved from a blob URL
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `${suiteName}${version ? `-v${version}` : ''}.zip`;
      document.body.appendChild(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL?.(url), 60_000);
    } catch (e) {
      setDownloadError(e as Error);
    }
  };

  if (code.error)
    return <ProblemAlert error={code.error} title="The code cannot be shown" />;
  if (!code.value) return <Progress />;
  const files = code.value.files;
  const shown =
    files.find(f => f.path === path) ??
    files.find(f => f.path.endsWith('.spec.ts')) ??
    files[0];

  return (
    <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
      {downloadError && (
        <ProblemAlert
          error={downloadError}
          title="The project could not be downloaded"
        />
      )}
      <Box display="flex" alignItems="center" style={{ gap: 16 }}>
        <TextField
          id="SuiteCodePanel-file"
          select
          label="File"
          value={shown?.path ?? ''}
          onChange={e => setPath(e.target.value)}
          style={{ minWidth: 320 }}
        >
          {files.map(f => (
            <MenuItem key={f.path} value={f.path}>
              {f.path}
            </MenuItem>
          ))}
        </TextField>
        <Button variant="outlined" onClick={download}>
          Download project (zip)
        </Button>
      </Box>
      {shown && (
        <Box
          component="pre"
          aria-label={`Contents of ${shown.path}`}
          p={2}
          m={0}
          style={{
            fontFamily: 'monospace',
            overflowX: 'auto',
            background: 'rgba(127,127,127,0.08)',
            fontSize: 13,
          }}
        >
          {shown.content}
        </Box>
      )}
    </Box>
  );
}
