import type {
  AiFailureExplanation,
  AiLogLine,
  AiModelExplanation,
} from '@internal/plugin-ai-assistant-common';
import {
  Box,
  Chip,
  Link,
  List,
  ListItem,
  ListItemText,
  makeStyles,
  Typography,
} from '@material-ui/core';
import { Alert, AlertTitle } from '@material-ui/lab';
import type { ReactNode } from 'react';

const useStyles = makeStyles(theme => ({
  log: {
    fontFamily: 'monospace',
    fontSize: '0.8rem',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
    background: theme.palette.background.default,
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: 4,
    padding: theme.spacing(1),
    margin: 0,
    overflowX: 'auto',
  },
  lineNumber: {
    display: 'inline-block',
    minWidth: '4ch',
    marginRight: theme.spacing(1),
    textAlign: 'right',
    color: theme.palette.text.secondary,
    userSelect: 'none',
  },
  section: { marginTop: theme.spacing(2) },
  chips: { display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1) },
  plain: { whiteSpace: 'pre-wrap' },
}));

/** Only links that go somewhere safe: http(s), or a page of the portal. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return /^https?:\/\//i.test(url) || /^\/(?!\/)/.test(url) ? url : undefined;
}

function ExternalLink(props: { href?: string; children: ReactNode }) {
  const href = safeUrl(props.href);
  if (!href) return <>{props.children}</>;
  return (
    <Link href={href} target="_blank" rel="noopener noreferrer">
      {props.children}
    </Link>
  );
}

function Section(props: { title: string; children: ReactNode }) {
  const classes = useStyles();
  return (
    <section className={classes.section} aria-label={props.title}>
      <Typography variant="h6" component="h3" gutterBottom>
        {props.title}
      </Typography>
      {props.children}
    </section>
  );
}

/** Log lines in monospace, each numbered, the number a link to the line when there is one. */
export function LogLines(props: { lines: AiLogLine[]; label: string }) {
  const classes = useStyles();
  return (
    <pre className={classes.log} aria-label={props.label}>
      {props.lines.map(line => (
        <div key={`${line.line}-${line.text}`}>
          <span className={classes.lineNumber}>
            {safeUrl(line.url) ? (
              <Link
                href={safeUrl(line.url)}
                target="_blank"
                rel="noopener noreferrer"
                // Underlined: in a block of text a link must not be told apart by colour alone
                underline="always"
                aria-label={`Line ${line.line} in the log`}
              >
                {line.line}
              </Link>
            ) : (
              line.line
            )}
          </span>
          {line.text}
        </div>
      ))}
    </pre>
  );
}

function ModelPart(props: { model: AiModelExplanation }) {
  const classes = useStyles();
  const { model } = props;
  switch (model.status) {
    case 'answered':
      return (
        <Section title={`The model's explanation (${model.model})`}>
          <Box className={classes.chips} mb={1}>
            <Chip
              size="small"
              color={model.confidence === 'high' ? 'primary' : 'default'}
              label={`Confidence: ${model.confidence}`}
            />
          </Box>
          <Typography variant="subtitle2">Root cause</Typography>
          <Typography className={classes.plain} paragraph>
            {model.rootCause}
          </Typography>
          <Typography variant="subtitle2">Fix</Typography>
          <Typography className={classes.plain} paragraph>
            {model.fix}
          </Typography>
          {model.evidence.length > 0 && (
            <>
              <Typography variant="subtitle2">Evidence</Typography>
              <List dense aria-label="Evidence">
                {model.evidence.map(item => (
                  <ListItem key={item.id} disableGutters>
                    <ListItemText
                      primary={
                        <ExternalLink href={item.url}>
                          {item.id}: {item.title}
                        </ExternalLink>
                      }
                    />
                  </ListItem>
                ))}
              </List>
            </>
          )}
          <Typography variant="caption" color="textSecondary">
            Written by a model from the evidence listed: check it against the
            log.
          </Typography>
        </Section>
      );
    case 'failed':
      return (
        <Alert severity="warning" className={classes.section}>
          <AlertTitle>The model could not explain it</AlertTitle>
          {model.message}
        </Alert>
      );
    case 'not-configured':
      return (
        <Alert severity="info" className={classes.section}>
          <AlertTitle>
            No model is configured: this is the offline analysis
          </AlertTitle>
          {model.message}
        </Alert>
      );
    default:
      return (
        <Alert severity="info" className={classes.section}>
          <AlertTitle>The model was not asked</AlertTitle>
          {model.message}
        </Alert>
      );
  }
}

/** Everything "Explain this failure" found, for people. */
export function ExplanationView(props: { explanation: AiFailureExplanation }) {
  const classes = useStyles();
  const { explanation } = props;
  const similar = explanation.similarRuns;
  return (
    <Box>
      <Box className={classes.chips} mb={1}>
        <Chip
          // The theme's secondary colour is too light for white text (axe: color-contrast)
          color={explanation.category === 'unknown' ? 'default' : 'primary'}
          label={`Category: ${explanation.category}`}
        />
        {explanation.exitCode !== undefined && (
          <Chip
            variant="outlined"
            label={`Exit code ${explanation.exitCode}`}
          />
        )}
        {explanation.run.failedStep && (
          <Chip
            variant="outlined"
            label={`Failed: ${explanation.run.failedStep}`}
          />
        )}
      </Box>
      <Typography paragraph>{explanation.summary}</Typography>
      {explanation.suggestedFix && (
        <Alert severity="success">
          <AlertTitle>Suggested fix</AlertTitle>
          {explanation.suggestedFix}
        </Alert>
      )}

      <ModelPart model={explanation.model} />

      {explanation.firstErrorLines.length > 0 && (
        <Section title="First error">
          <LogLines
            lines={explanation.firstErrorLines}
            label="First error lines"
          />
        </Section>
      )}

      {explanation.matchedRules.length > 0 && (
        <Section title="Known causes that matched">
          <List dense aria-label="Matched rules">
            {explanation.matchedRules.map(rule => (
              <ListItem
                key={rule.ruleId}
                disableGutters
                alignItems="flex-start"
              >
                <ListItemText
                  primary={
                    <Box className={classes.chips} component="span">
                      <span>{rule.name}</span>
                      <Chip size="small" label={rule.category} />
                      {rule.source === 'custom' && (
                        <Chip
                          size="small"
                          variant="outlined"
                          label="administrators' rule"
                        />
                      )}
                      {rule.alsoInGreenRuns && (
                        <Chip
                          size="small"
                          variant="outlined"
                          label="also in green runs: probably not the cause"
                        />
                      )}
                    </Box>
                  }
                  secondary={`${rule.description} (${rule.matchCount} ${
                    rule.matchCount === 1 ? 'match' : 'matches'
                  }, first on line ${rule.lines[0]?.line ?? '?'})`}
                />
              </ListItem>
            ))}
          </List>
        </Section>
      )}

      {similar && (
        <Section title="Earlier runs">
          <Typography paragraph>{similar.summary}</Typography>
          {similar.lastFixedBy && (
            <Typography paragraph>
              Fixed before by{' '}
              {similar.lastFixedBy.commit ? (
                <ExternalLink href={similar.lastFixedBy.commitUrl}>
                  commit {similar.lastFixedBy.commit.slice(0, 12)}
                </ExternalLink>
              ) : (
                'a change'
              )}{' '}
              (
              <ExternalLink href={similar.lastFixedBy.url}>
                run {similar.lastFixedBy.runId}
              </ExternalLink>
              ).
            </Typography>
          )}
          {similar.runs.length > 0 && (
            <List dense aria-label="Runs with the same failure">
              {similar.runs.map(run => (
                <ListItem key={run.runId} disableGutters>
                  <ListItemText
                    primary={
                      <ExternalLink href={run.url}>
                        Run {run.runId}
                      </ExternalLink>
                    }
                  />
                </ListItem>
              ))}
            </List>
          )}
          <Typography variant="caption" color="textSecondary">
            {similar.comparedRuns} earlier runs compared.
          </Typography>
        </Section>
      )}

      {explanation.newLines && explanation.newLines.total > 0 && (
        <Section title="New lines">
          <Typography variant="body2" paragraph>
            {explanation.newLines.total} lines the last{' '}
            {explanation.newLines.greenRuns} green{' '}
            {explanation.newLines.greenRuns === 1 ? 'run' : 'runs'} did not
            print
            {explanation.newLines.truncated
              ? `; the first and last ${explanation.newLines.lines.length} are shown`
              : ''}
            .
          </Typography>
          <LogLines
            lines={explanation.newLines.lines}
            label="New lines of the log"
          />
        </Section>
      )}

      {explanation.unread.length > 0 && (
        <Alert severity="warning" className={classes.section}>
          <AlertTitle>Not read</AlertTitle>
          <List dense disablePadding aria-label="Not read">
            {explanation.unread.map(item => (
              <ListItem key={`${item.what}-${item.reason}`} disableGutters>
                <ListItemText primary={`${item.what}: ${item.reason}`} />
              </ListItem>
            ))}
          </List>
        </Alert>
      )}
      {explanation.warnings.length > 0 && (
        <Alert severity="info" className={classes.section}>
          <AlertTitle>Good to know</AlertTitle>
          {explanation.warnings.map(warning => (
            <Typography key={warning} variant="body2">
              {warning}
            </Typography>
          ))}
        </Alert>
      )}
      <Box mt={2}>
        <Typography variant="caption" color="textSecondary">
          Analysed {explanation.log.source} in {explanation.durationMs} ms
          {explanation.fingerprint
            ? ` · fingerprint ${explanation.fingerprint.slice(0, 12)}`
            : ''}
          .
        </Typography>
      </Box>
    </Box>
  );
}
