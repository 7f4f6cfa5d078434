import { Link } from '@backstage/core-components';
import { Box, Grid, makeStyles, Typography } from '@material-ui/core';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import LaunchIcon from '@material-ui/icons/Launch';
import type { SonarQubeProjectSummary } from '@internal/plugin-sonarqube-common';
import {
  formatCount,
  formatDebt,
  formatPercent,
  ratingLetter,
} from '../format';

const RATING_COLOURS: Record<string, string> = {
  A: '#00aa00',
  B: '#80cc00',
  C: '#c6a700',
  D: '#ed7d20',
  E: '#d4333f',
};

const useStyles = makeStyles(theme => ({
  rating: {
    display: 'inline-flex',
    alignItems: 'center',
    justifyContent: 'center',
    width: 28,
    height: 28,
    borderRadius: '50%',
    color: '#fff',
    fontWeight: 700,
    marginRight: theme.spacing(1),
  },
  tile: {
    display: 'flex',
    alignItems: 'center',
    minHeight: 40,
  },
  value: { fontWeight: 600 },
  note: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    color: theme.palette.error.dark,
    marginTop: theme.spacing(1),
  },
}));

export type RatingProps = { label: string; value?: string; detail?: string };

/** A rating as its letter in a coloured circle, with the label spelt out. */
export function Rating(props: RatingProps) {
  const classes = useStyles();
  const letter = ratingLetter(props.value);
  return (
    <Box className={classes.tile}>
      <span
        className={classes.rating}
        style={{ backgroundColor: letter ? RATING_COLOURS[letter] : '#9e9e9e' }}
        aria-hidden
      >
        {letter ?? '–'}
      </span>
      <Box>
        <Typography variant="body2" className={classes.value}>
          {props.label}: {letter ?? 'no rating'}
        </Typography>
        {props.detail && (
          <Typography variant="caption" color="textSecondary">
            {props.detail}
          </Typography>
        )}
      </Box>
    </Box>
  );
}

function Metric(props: { label: string; value?: string }) {
  const classes = useStyles();
  return (
    <Box>
      <Typography variant="caption" color="textSecondary">
        {props.label}
      </Typography>
      <Typography variant="body1" className={classes.value}>
        {props.value ?? '–'}
      </Typography>
    </Box>
  );
}

export type ProblemNoteProps = { children: string };

/** A precise problem, as icon and text. */
export function ProblemNote(props: ProblemNoteProps) {
  const classes = useStyles();
  return (
    <Box className={classes.note} role="status">
      <ErrorOutlineIcon fontSize="small" aria-hidden />
      <Typography variant="body2">{props.children}</Typography>
    </Box>
  );
}

export type ProjectMeasuresProps = {
  project: SonarQubeProjectSummary;
  compact?: boolean;
};

/** Ratings and key measures of one project. */
export function ProjectMeasures(props: ProjectMeasuresProps) {
  const { measures } = props.project;
  let securityDetail: string | undefined;
  if (measures.vulnerabilities !== undefined) {
    securityDetail = `${formatCount(measures.vulnerabilities)} vulnerabilities`;
  } else if (props.project.securityHidden) {
    securityDetail = 'hidden: needs sonarqube.security.read';
  }
  return (
    <Grid container spacing={1}>
      <Grid item xs={12} sm={4}>
        <Rating
          label="Reliability"
          value={measures.reliability_rating}
          detail={
            measures.bugs !== undefined
              ? `${formatCount(measures.bugs)} bugs`
              : undefined
          }
        />
      </Grid>
      <Grid item xs={12} sm={4}>
        <Rating
          label="Security"
          value={measures.security_rating}
          detail={securityDetail}
        />
      </Grid>
      <Grid item xs={12} sm={4}>
        <Rating
          label="Maintainability"
          value={measures.sqale_rating}
          detail={
            measures.code_smells !== undefined
              ? `${formatCount(measures.code_smells)} code smells, ${formatDebt(
                  measures.sqale_index,
                )} debt`
              : undefined
          }
        />
      </Grid>
      <Grid item xs={6} sm={3}>
        <Metric label="Coverage" value={formatPercent(measures.coverage)} />
      </Grid>
      <Grid item xs={6} sm={3}>
        <Metric
          label="Duplications"
          value={formatPercent(measures.duplicated_lines_density)}
        />
      </Grid>
      <Grid item xs={6} sm={3}>
        <Metric
          label="Security hotspots"
          value={
            measures.security_hotspots !== undefined
              ? `${formatCount(measures.security_hotspots)} (${formatPercent(
                  measures.security_hotspots_reviewed,
                )} reviewed)`
              : undefined
          }
        />
      </Grid>
      <Grid item xs={6} sm={3}>
        <Metric label="Lines of code" value={formatCount(measures.ncloc)} />
      </Grid>
    </Grid>
  );
}

export type SonarQubeLinkProps = { url?: string; label?: string };

export function SonarQubeLink(props: SonarQubeLinkProps) {
  if (!props.url) return null;
  return (
    <Link to={props.url} target="_blank" rel="noopener noreferrer">
      {props.label ?? 'Open in SonarQube'}{' '}
      <LaunchIcon fontSize="inherit" aria-label="(opens in a new tab)" />
    </Link>
  );
}
