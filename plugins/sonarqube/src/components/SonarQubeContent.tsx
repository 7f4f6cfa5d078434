import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  Box,
  FormControl,
  Grid,
  InputLabel,
  List,
  ListItem,
  ListItemText,
  MenuItem,
  Select,
  Typography,
} from '@material-ui/core';
import type {
  SonarQubeProjectSummary,
  SonarQubeScope,
} from '@internal/plugin-sonarqube-common';
import { useState } from 'react';
import { sonarQubeApiRef } from '../api';
import { metricName } from '../format';
import { useLoader } from '@internal/react-common';
import { useGateChanges } from '../hooks';
import { HotspotsList } from './HotspotsList';
import { IssuesTable } from './IssuesTable';
import { ProblemNote, ProjectMeasures, SonarQubeLink } from './Measures';
import { NotConfigured } from './NotConfigured';
import { QualityGateBadge } from './QualityGateBadge';
import { TrendChart } from './TrendChart';

const GATE_TEXT: Record<string, string> = {
  OK: 'passed',
  ERROR: 'failed',
  WARN: 'warning',
  NONE: 'not computed',
};

const CHARTS: Array<{ metric: string; title: string; unit?: string }> = [
  { metric: 'coverage', title: 'Coverage', unit: '%' },
  { metric: 'bugs', title: 'Bugs' },
  { metric: 'code_smells', title: 'Code smells' },
  { metric: 'vulnerabilities', title: 'Vulnerabilities' },
  { metric: 'duplicated_lines_density', title: 'Duplications', unit: '%' },
];

/** `branch:<name>`, `pr:<key>` or `main`: the switcher's value. */
function scopeOf(value: string): SonarQubeScope {
  if (value.startsWith('pr:')) return { pullRequest: value.slice(3) };
  if (value.startsWith('branch:')) return { branch: value.slice(7) };
  return {};
}

function ProjectView(props: {
  entityRef: string;
  project: SonarQubeProjectSummary;
}) {
  const api = useApi(sonarQubeApiRef);
  const { entityRef } = props;
  const project = props.project.project;
  const [scopeValue, setScopeValue] = useState('main');
  const [refreshKey, setRefreshKey] = useState(0);
  const scope = scopeOf(scopeValue);
  const request = { entityRef, project, ...scope };
  const branches = useLoader(
    () => api.getBranches({ entityRef, project }),
    [api, entityRef, project, refreshKey],
  );
  const view = useLoader(
    () => api.getProject(request),
    [api, entityRef, project, scopeValue, refreshKey],
  );
  const history = useLoader(
    () => api.getHistory({ ...request, metrics: CHARTS.map(c => c.metric) }),
    [api, entityRef, project, scopeValue, refreshKey],
  );
  useGateChanges([props.project.projectKey], () => setRefreshKey(k => k + 1));

  const summary = view.value;
  const failing =
    summary?.qualityGate?.conditions.filter(c => c.status === 'ERROR') ?? [];
  const mainBranch = branches.value?.branches.find(b => b.isMain);

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <FormControl style={{ minWidth: 320 }}>
          <InputLabel id={`sonarqube-scope-${project}`}>
            Branch or pull request
          </InputLabel>
          <Select
            labelId={`sonarqube-scope-${project}`}
            name={`sonarqube-scope-${project}`}
            value={scopeValue}
            onChange={e => setScopeValue(String(e.target.value))}
          >
            <MenuItem value="main">
              {mainBranch ? `${mainBranch.name} (main branch)` : 'Main branch'}
              {mainBranch?.qualityGateStatus
                ? `: gate ${
                    GATE_TEXT[mainBranch.qualityGateStatus] ??
                    mainBranch.qualityGateStatus
                  }`
                : ''}
            </MenuItem>
            {(branches.value?.branches ?? [])
              .filter(b => !b.isMain)
              .map(b => (
                <MenuItem key={`branch:${b.name}`} value={`branch:${b.name}`}>
                  Branch {b.name}
                  {b.qualityGateStatus
                    ? `: gate ${
                        GATE_TEXT[b.qualityGateStatus] ?? b.qualityGateStatus
                      }`
                    : ''}
                </MenuItem>
              ))}
            {(branches.value?.pullRequests ?? []).map(pr => (
              <MenuItem key={`pr:${pr.key}`} value={`pr:${pr.key}`}>
                Pull request #{pr.key} {pr.title}
                {pr.qualityGateStatus
                  ? `: gate ${
                      GATE_TEXT[pr.qualityGateStatus] ?? pr.qualityGateStatus
                    }`
                  : ''}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        {branches.error && <ProblemNote>{branches.error.message}</ProblemNote>}
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Quality gate and measures">
          {view.error && <ResponseErrorPanel error={view.error} />}
          {!summary && !view.error && <Progress />}
          {summary && (
            <>
              <Box
                mb={2}
                display="flex"
                alignItems="center"
                style={{ gap: 16 }}
              >
                {summary.analysed && (
                  <QualityGateBadge status={summary.qualityGate?.status} />
                )}
                <SonarQubeLink url={summary.url} />
              </Box>
              {summary.error && <ProblemNote>{summary.error}</ProblemNote>}
              {failing.length > 0 && (
                <Box mb={2}>
                  <Typography variant="subtitle2" component="h4">
                    Failing conditions
                  </Typography>
                  <List dense>
                    {failing.map(c => (
                      <ListItem key={c.metricKey}>
                        <ListItemText
                          primary={`✘ ${metricName(c.metricKey)}: ${
                            c.actualValue ?? 'no value'
                          }`}
                          secondary={`fails when ${
                            c.comparator === 'GT' ? '>' : '<'
                          } ${c.errorThreshold}`}
                        />
                      </ListItem>
                    ))}
                  </List>
                </Box>
              )}
              {!summary.error && <ProjectMeasures project={summary} />}
            </>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Trends">
          {history.error && <ResponseErrorPanel error={history.error} />}
          {!history.value && !history.error && <Progress />}
          {history.value && (
            <Grid container spacing={2}>
              {CHARTS.map(chart => {
                const series = history.value!.metrics.find(
                  m => m.metric === chart.metric,
                );
                if (!series) return null;
                return (
                  <Grid item xs={12} sm={6} key={chart.metric}>
                    <TrendChart
                      title={chart.title}
                      unit={chart.unit}
                      points={series.history}
                    />
                  </Grid>
                );
              })}
            </Grid>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Issues">
          <IssuesTable
            key={scopeValue}
            request={request}
            refreshKey={refreshKey}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Security hotspots">
          <HotspotsList
            key={scopeValue}
            request={request}
            refreshKey={refreshKey}
          />
        </InfoCard>
      </Grid>
    </Grid>
  );
}

/** The Code quality tab: per project, the gate, measures, trends and issues, per branch or PR. */
export function SonarQubeContent() {
  const { entity } = useEntity();
  const api = useApi(sonarQubeApiRef);
  const entityRef = stringifyEntityRef(entity);
  const summary = useLoader(() => api.getSummary(entityRef), [api, entityRef]);
  const [selected, setSelected] = useState(0);

  if (summary.error) return <ResponseErrorPanel error={summary.error} />;
  if (!summary.value) return <Progress />;
  if (!summary.value.configured)
    return <NotConfigured message={summary.value.message} />;
  const { projects } = summary.value;
  const project = projects[Math.min(selected, projects.length - 1)];
  return (
    <Box>
      {projects.length > 1 && (
        <Box mb={2}>
          <FormControl style={{ minWidth: 320 }}>
            <InputLabel id="sonarqube-project">Project</InputLabel>
            <Select
              labelId="sonarqube-project"
              name="sonarqube-project"
              value={selected}
              onChange={e => setSelected(Number(e.target.value))}
            >
              {projects.map((p, index) => (
                <MenuItem key={p.project} value={index}>
                  {p.name ?? p.projectKey}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
        </Box>
      )}
      <ProjectView
        key={project.project}
        entityRef={entityRef}
        project={project}
      />
    </Box>
  );
}
