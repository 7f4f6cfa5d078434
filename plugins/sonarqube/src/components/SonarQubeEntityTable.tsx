import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Fragment } from 'react';
import { sonarQubeApiRef } from '../api';
import { formatCount, formatPercent, ratingLetter } from '../format';
import { useLoader } from '@internal/react-common';
import { useGateChanges } from '../hooks';
import { ProblemNote, SonarQubeLink } from './Measures';
import { NotConfigured } from './NotConfigured';
import { QualityGateBadge } from './QualityGateBadge';

/** On a Group or System: every entity with SonarQube projects, their gate and ratings. */
export function SonarQubeEntityTable() {
  const { entity } = useEntity();
  const api = useApi(sonarQubeApiRef);
  const entityRef = stringifyEntityRef(entity);
  const table = useLoader(() => api.getTable(entityRef), [api, entityRef]);
  const keys =
    table.value?.configured === true
      ? table.value.rows.flatMap(r => r.projects.map(p => p.projectKey))
      : [];
  useGateChanges(keys, table.retry);

  let body;
  if (table.error) body = <ResponseErrorPanel error={table.error} />;
  else if (!table.value) body = <Progress />;
  else if (!table.value.configured)
    body = <NotConfigured message={table.value.message} />;
  else if (table.value.rows.length === 0) {
    body = (
      <Typography>
        No{' '}
        {entity.kind === 'Group'
          ? 'entity owned by this group'
          : 'part of this system'}{' '}
        has a sonarqube.org/project-key annotation.
      </Typography>
    );
  } else {
    body = (
      <Table size="small" aria-label="Code quality by entity">
        <TableHead>
          <TableRow>
            <TableCell>Entity</TableCell>
            <TableCell>Project</TableCell>
            <TableCell>Quality gate</TableCell>
            <TableCell>Reliability</TableCell>
            <TableCell>Security</TableCell>
            <TableCell>Maintainability</TableCell>
            <TableCell>Coverage</TableCell>
            <TableCell>Bugs</TableCell>
            <TableCell>Code smells</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {table.value.rows.map(row => (
            <Fragment key={row.entityRef}>
              {row.error && (
                <TableRow>
                  <TableCell>
                    <EntityRefLink
                      entityRef={parseEntityRef(row.entityRef)}
                      title={row.title}
                    />
                  </TableCell>
                  <TableCell colSpan={8}>
                    <ProblemNote>{row.error}</ProblemNote>
                  </TableCell>
                </TableRow>
              )}
              {row.projects.map((p, index) => (
                <TableRow key={p.project}>
                  <TableCell>
                    {index === 0 && (
                      <EntityRefLink
                        entityRef={parseEntityRef(row.entityRef)}
                        title={row.title}
                      />
                    )}
                  </TableCell>
                  <TableCell>
                    {p.url ? (
                      <SonarQubeLink
                        url={p.url}
                        label={p.name ?? p.projectKey}
                      />
                    ) : (
                      p.projectKey
                    )}
                  </TableCell>
                  {p.error ? (
                    <TableCell colSpan={7}>
                      <ProblemNote>{p.error}</ProblemNote>
                    </TableCell>
                  ) : (
                    <>
                      <TableCell>
                        <QualityGateBadge status={p.qualityGate?.status} />
                      </TableCell>
                      <TableCell>
                        {ratingLetter(p.measures.reliability_rating) ?? '–'}
                      </TableCell>
                      <TableCell>
                        {ratingLetter(p.measures.security_rating) ?? '–'}
                      </TableCell>
                      <TableCell>
                        {ratingLetter(p.measures.sqale_rating) ?? '–'}
                      </TableCell>
                      <TableCell>
                        {formatPercent(p.measures.coverage) ?? '–'}
                      </TableCell>
                      <TableCell>
                        {formatCount(p.measures.bugs) ?? '–'}
                      </TableCell>
                      <TableCell>
                        {formatCount(p.measures.code_smells) ?? '–'}
                      </TableCell>
                    </>
                  )}
                </TableRow>
              ))}
            </Fragment>
          ))}
        </TableBody>
      </Table>
    );
  }
  return <InfoCard title="Code quality">{body}</InfoCard>;
}
