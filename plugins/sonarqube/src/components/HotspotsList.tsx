import { Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { SonarQubeProjectRequest, sonarQubeApiRef } from '../api';
import { useLoader } from '@internal/react-common';
import { ProblemNote } from './Measures';

const PROBABILITY: Record<string, string> = {
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
};

export type HotspotsListProps = {
  request: SonarQubeProjectRequest;
  refreshKey: number;
};

/** Security hotspots to review (first 25); needs sonarqube.security.read. */
export function HotspotsList(props: HotspotsListProps) {
  const api = useApi(sonarQubeApiRef);
  const { entityRef, project, branch, pullRequest } = props.request;
  const hotspots = useLoader(
    () =>
      api.getHotspots({
        entityRef,
        project,
        branch,
        pullRequest,
        page: 1,
        pageSize: 25,
      }),
    [api, entityRef, project, branch, pullRequest, props.refreshKey],
  );
  if (hotspots.error)
    return <ProblemNote>{hotspots.error.message}</ProblemNote>;
  if (!hotspots.value) return <Progress />;
  const { value } = hotspots;
  if (value.total === 0) {
    return <Typography>No security hotspots to review</Typography>;
  }
  return (
    <>
      <Typography variant="body2" color="textSecondary">
        {value.total.toLocaleString('en-US')} to review
        {value.total > value.hotspots.length
          ? `; the first ${value.hotspots.length} are shown`
          : ''}
      </Typography>
      <Table size="small" aria-label="Security hotspots">
        <TableHead>
          <TableRow>
            <TableCell>Review priority</TableCell>
            <TableCell>Category</TableCell>
            <TableCell>Message</TableCell>
            <TableCell>Location</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {value.hotspots.map(h => (
            <TableRow key={h.key}>
              <TableCell>
                {PROBABILITY[h.vulnerabilityProbability] ??
                  h.vulnerabilityProbability}
              </TableCell>
              <TableCell>{h.securityCategory ?? '–'}</TableCell>
              <TableCell>
                {h.url ? (
                  <Link to={h.url} target="_blank" rel="noopener noreferrer">
                    {h.message}
                  </Link>
                ) : (
                  h.message
                )}
              </TableCell>
              <TableCell>
                <code>
                  {h.component}
                  {h.line ? `:${h.line}` : ''}
                </code>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}
