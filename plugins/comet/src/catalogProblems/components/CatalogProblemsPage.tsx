import { parseEntityRef } from '@backstage/catalog-model';
import {
  Content,
  Header,
  Link,
  Page,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  CATALOG_FILTER_EXISTS,
  catalogApiRef,
  EntityRefLink,
} from '@backstage/plugin-catalog-react';
import {
  Box,
  Button,
  LinearProgress,
  makeStyles,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@material-ui/core';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import ReportProblemOutlinedIcon from '@material-ui/icons/ReportProblemOutlined';
import { useLoader } from '@internal/react-common';
import { useMemo } from 'react';
import {
  ANNOTATION_PROBLEMS_ANNOTATION,
  type AnnotationProblemView,
  CATALOG_PROBLEMS_FIELDS,
  entityProblemsOf,
} from '../problems';

const useStyles = makeStyles(theme => ({
  table: { overflowX: 'auto' },
  problems: { margin: 0, paddingLeft: 0, listStyle: 'none' },
  problem: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    '& + &': { marginTop: theme.spacing(1) },
  },
  error: { color: theme.palette.error.main },
  warning: { color: theme.palette.warning.main },
  annotation: { fontFamily: 'monospace', fontWeight: 'bold' },
  message: { overflowWrap: 'anywhere' },
}));

const LEVEL_LABEL: Record<AnnotationProblemView['level'], string> = {
  error: 'Error',
  warning: 'Warning',
  info: 'Info',
};

function ProblemList(props: { problems: AnnotationProblemView[] }) {
  const classes = useStyles();
  if (props.problems.length === 0) {
    return (
      <Typography variant="body2">
        Its status lists no Comet annotation problem.
      </Typography>
    );
  }
  return (
    <ul className={classes.problems}>
      {props.problems.map((problem, index) => (
        <li key={index} className={classes.problem}>
          {problem.level === 'error' ? (
            <ErrorOutlineIcon className={classes.error} aria-hidden />
          ) : (
            <ReportProblemOutlinedIcon
              className={classes.warning}
              aria-hidden
            />
          )}
          <Typography variant="body2" component="span">
            <strong>{LEVEL_LABEL[problem.level]}</strong>
            {problem.annotation && (
              <>
                {' in '}
                <code className={classes.annotation}>{problem.annotation}</code>
              </>
            )}
            {': '}
            <span className={classes.message}>{problem.message}</span>
          </Typography>
        </li>
      ))}
    </ul>
  );
}

/**
 * `/catalog-problems`: every entity whose Comet annotations have problems, with its owner and
 * each problem, found by the count the catalog module writes into an annotation (the catalog's
 * search index leaves out `status`, so the problems themselves cannot be filtered on).
 */
export function CatalogProblemsPage() {
  const classes = useStyles();
  const catalogApi = useApi(catalogApiRef);
  const result = useLoader(
    () =>
      catalogApi.getEntities({
        filter: {
          [`metadata.annotations.${ANNOTATION_PROBLEMS_ANNOTATION}`]:
            CATALOG_FILTER_EXISTS,
        },
        fields: CATALOG_PROBLEMS_FIELDS,
      }),
    [catalogApi],
  );
  const rows = useMemo(
    () => (result.value ? entityProblemsOf(result.value.items) : undefined),
    [result.value],
  );

  let body;
  if (result.error && !result.loading) {
    body = <ResponseErrorPanel error={result.error} />;
  } else if (!rows) {
    body = (
      <LinearProgress aria-label="Loading the entities with annotation problems" />
    );
  } else if (rows.length === 0) {
    body = (
      <Typography>
        No annotation problems: every Comet annotation in the catalog parses and
        names a configured instance. What is checked, and how:
        docs/annotations.md.
      </Typography>
    );
  } else {
    body = (
      <>
        <Typography paragraph>
          {rows.length === 1
            ? '1 entity has annotation problems.'
            : `${rows.length} entities have annotation problems.`}
        </Typography>
        <Paper className={classes.table}>
          <Table
            aria-label="Entities with annotation problems"
            aria-busy={result.loading}
          >
            <TableHead>
              <TableRow>
                <TableCell>Entity</TableCell>
                <TableCell>Owner</TableCell>
                <TableCell>Problems</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map(row => (
                <TableRow key={row.entityRef}>
                  <TableCell component="th" scope="row" role="rowheader">
                    <EntityRefLink
                      entityRef={parseEntityRef(row.entityRef)}
                      title={row.title}
                    />
                  </TableCell>
                  <TableCell>
                    {row.ownerRef ? (
                      <EntityRefLink
                        entityRef={row.ownerRef}
                        defaultKind="group"
                      />
                    ) : (
                      row.ownerText ?? 'No owner'
                    )}
                  </TableCell>
                  <TableCell>
                    <ProblemList problems={row.problems} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      </>
    );
  }

  return (
    <Page themeId="tool">
      <Header
        title="Catalog problems"
        subtitle="Entities whose Comet annotations do not parse or name an instance this portal does not have"
      />
      <Content>
        <Box display="flex" alignItems="flex-start" mb={2}>
          <Box flexGrow={1}>
            <Typography>
              Every entity listed here is in the catalog, and its page shows its
              errors; a tab that reads a broken annotation shows nothing until
              the annotation is fixed. Entities that failed to process entirely
              are under{' '}
              <Link to="/catalog-unprocessed-entities">
                Unprocessed Entities
              </Link>
              .
            </Typography>
          </Box>
          <Button
            variant="outlined"
            onClick={result.retry}
            disabled={result.loading}
          >
            Refresh
          </Button>
        </Box>
        {body}
      </Content>
    </Page>
  );
}
