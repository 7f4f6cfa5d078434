import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { InfoCard } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/frontend-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { PipelineArtifact, pipelinesApiRef } from '../../api/PipelinesApi';
import { formatBytes, saveBlob } from '../common/format';

export type ArtifactsProps = { runId: string; finished: boolean };

/** The files the run's jobs kept, each with a download. */
export function Artifacts(props: ArtifactsProps) {
  const { runId, finished } = props;
  const api = useApi(pipelinesApiRef);
  const alertApi = useApi(alertApiRef);
  const artifacts = useAsync(
    () => api.listArtifacts(runId),
    [api, runId, finished],
  );
  const download = async (artifact: PipelineArtifact) => {
    try {
      const blob = await api.downloadArtifact({ ...artifact, runId });
      saveBlob(blob, artifact.path.split('/').pop() ?? 'artifact');
    } catch (error) {
      alertApi.post({ message: (error as Error).message, severity: 'error' });
    }
  };
  return (
    <InfoCard title="Artifacts">
      {artifacts.loading && <LinearProgress aria-label="Loading artifacts" />}
      {artifacts.error && (
        <Alert severity="error">{artifacts.error.message}</Alert>
      )}
      {artifacts.value && artifacts.value.length === 0 && (
        <Typography variant="body2">
          {finished ? 'This run kept no artifacts.' : 'None yet.'}
        </Typography>
      )}
      {artifacts.value && artifacts.value.length > 0 && (
        <List dense>
          {artifacts.value.map(artifact => (
            <ListItem key={`${artifact.jobRunId}/${artifact.path}`}>
              <ListItemText
                primary={artifact.path}
                secondary={`${artifact.jobRunId} · ${formatBytes(
                  artifact.size,
                )}`}
              />
              <Button
                size="small"
                onClick={() => download(artifact)}
                aria-label={`Download ${artifact.path} from ${artifact.jobRunId}`}
              >
                Download
              </Button>
            </ListItem>
          ))}
        </List>
      )}
    </InfoCard>
  );
}
