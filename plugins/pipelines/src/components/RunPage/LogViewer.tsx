import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import IconButton from '@material-ui/core/IconButton';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ArrowDownwardIcon from '@material-ui/icons/ArrowDownward';
import ArrowUpwardIcon from '@material-ui/icons/ArrowUpward';
import GetAppIcon from '@material-ui/icons/GetApp';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import {
  forwardRef,
  Fragment,
  ReactNode,
  useCallback,
  useEffect,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
} from 'react';
import { cssOf, parseAnsi } from './ansi';
import { LogGroup, LogModel } from './LogModel';
import { StatusIndicator } from '../common/StatusIndicator';
import { elapsedMs, formatDuration } from '../common/format';

/** Every row has the same height, so the visible slice is arithmetic. */
export const LINE_HEIGHT = 20;
/**
 * Rows rendered beyond each edge of the viewport. Enough for wheel and keyboard scrolling to
 * find lines already there; every extra row is work on a jump across the log (a search match,
 * a line link, dragging the scrollbar), where none of them is seen.
 */
const OVERSCAN = 8;

const useStyles = makeStyles(theme => ({
  toolbar: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(1),
  },
  viewport: {
    position: 'relative',
    overflow: 'auto',
    background: '#1e1e1e',
    color: '#e5e5e5',
    fontFamily:
      'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 13,
    borderRadius: 4,
    '&:focus-visible': { outline: `3px solid ${theme.palette.primary.light}` },
  },
  row: {
    position: 'absolute',
    left: 0,
    right: 0,
    height: LINE_HEIGHT,
    lineHeight: `${LINE_HEIGHT}px`,
    whiteSpace: 'pre',
    display: 'flex',
    paddingRight: theme.spacing(2),
  },
  lineNumber: {
    flex: '0 0 auto',
    width: 72,
    textAlign: 'right',
    paddingRight: 12,
    color: '#a8a8a8',
    textDecoration: 'none',
    userSelect: 'none',
    '&:hover, &:focus': { color: '#ffffff', textDecoration: 'underline' },
  },
  timestamp: { color: '#b8b8b8', paddingRight: 12, userSelect: 'none' },
  stderr: { color: '#ffb3ab' },
  system: { color: '#9fd3ff', fontStyle: 'italic' },
  text: { minWidth: 0 },
  selected: { background: '#3a3d41' },
  currentMatch: { background: '#264f78' },
  failingLine: { background: '#4b1c1c' },
  mark: { background: '#ffd54f', color: '#000000' },
  header: {
    background: '#2d2d2d',
    color: '#f0f0f0',
    border: 0,
    font: 'inherit',
    cursor: 'pointer',
    textAlign: 'left',
    alignItems: 'center',
    gap: 8,
    paddingLeft: 8,
    width: '100%',
    '&:focus-visible': { outline: '2px solid #96ccff', outlineOffset: -2 },
  },
  failingHeader: { background: '#6b1f1f' },
  failingLabel: {
    background: '#ffccc7',
    color: '#5c0000',
    borderRadius: 3,
    padding: '0 6px',
    fontWeight: 700,
  },
  empty: { padding: theme.spacing(2), color: '#e5e5e5' },
}));

export type LogViewerHandle = {
  /** Scrolls to the first line of a job and expands its steps. */
  scrollToJob(jobRunId: string): void;
};

export type LogViewerProps = {
  model: LogModel;
  /** Changes whenever the model has new lines. */
  version: number;
  run: PipelineRun;
  /** The group (job and step) where the run failed, highlighted. */
  failingKey?: string;
  /** Whether new lines may still come (follow mode starts on). */
  live: boolean;
  loading?: boolean;
  height?: number;
  onDownload?(): void;
};

function highlight(
  text: string,
  query: string,
  markClass: string,
): ReactNode[] {
  const segments = parseAnsi(text);
  const plain = segments.map(s => s.text).join('');
  const ranges: Array<[number, number]> = [];
  if (query) {
    const lower = plain.toLowerCase();
    const needle = query.toLowerCase();
    for (
      let at = lower.indexOf(needle);
      at !== -1;
      at = lower.indexOf(needle, at + needle.length)
    ) {
      ranges.push([at, at + needle.length]);
    }
  }
  const out: ReactNode[] = [];
  let offset = 0;
  let key = 0;
  for (const segment of segments) {
    const style = cssOf(segment.style);
    const start = offset;
    const end = offset + segment.text.length;
    offset = end;
    const inside = ranges.filter(([a, b]) => a < end && b > start);
    if (!inside.length) {
      out.push(
        style ? (
          <span key={key++} style={style}>
            {segment.text}
          </span>
        ) : (
          <Fragment key={key++}>{segment.text}</Fragment>
        ),
      );
      continue;
    }
    let cursor = start;
    const parts: ReactNode[] = [];
    for (const [a, b] of inside) {
      const from = Math.max(a, start);
      const to = Math.min(b, end);
      if (from > cursor) parts.push(plain.slice(cursor, from));
      parts.push(
        <mark key={`m${from}`} className={markClass}>
          {plain.slice(from, to)}
        </mark>,
      );
      cursor = to;
    }
    if (cursor < end) parts.push(plain.slice(cursor, end));
    out.push(
      <span key={key++} style={style}>
        {parts}
      </span>,
    );
  }
  return out;
}

function hashSeq(): number | undefined {
  const match = /^#L(\d+)$/.exec(window.location.hash);
  return match ? Number(match[1]) : undefined;
}

/**
 * The run's log: virtualized (only the visible rows are in the DOM), grouped into
 * collapsible steps, with ANSI colours, search, line links, follow mode and timestamps.
 */
export const LogViewer = forwardRef<LogViewerHandle, LogViewerProps>(
  function LogViewerWithRef(props, ref) {
    const {
      model,
      version,
      run,
      failingKey,
      live,
      loading,
      height = 560,
      onDownload,
    } = props;
    const classes = useStyles();
    const viewport = useRef<HTMLDivElement>(null);
    const [scrollTop, setScrollTop] = useState(0);
    const [viewportHeight, setViewportHeight] = useState(height);
    const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
    const [showTimestamps, setShowTimestamps] = useState(false);
    const [follow, setFollow] = useState(live && hashSeq() === undefined);
    const [queryText, setQueryText] = useState('');
    const [query, setQuery] = useState('');
    const [current, setCurrent] = useState(0);
    const [selectedSeq, setSelectedSeq] = useState<number | undefined>(
      hashSeq(),
    );
    const hashHandled = useRef(false);
    const programmaticScroll = useRef(false);

    useEffect(() => {
      const timer = setTimeout(() => setQuery(queryText), 200);
      return () => clearTimeout(timer);
    }, [queryText]);

    // Groups in the order of the run's jobs, then steps
    const groups = useMemo(() => {
      const jobOrder = new Map(run.jobs.map((j, i) => [j.jobRunId, i]));
      return [...model.groups.values()].sort(
        (a, b) =>
          (jobOrder.get(a.jobRunId) ?? 1e9) -
            (jobOrder.get(b.jobRunId) ?? 1e9) ||
          a.jobRunId.localeCompare(b.jobRunId) ||
          a.stepIndex - b.stepIndex,
      );
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [model, version, run.jobs]);

    // Rows: a negative number is a step header (-(group index) - 1), others are line indexes
    const rows = useMemo(() => {
      const result: number[] = [];
      groups.forEach((group, g) => {
        result.push(-g - 1);
        if (!collapsed.has(group.key)) {
          for (const line of group.lines) result.push(line);
        }
      });
      return result;
    }, [groups, collapsed]);

    const matches = useMemo(
      () => model.search(query),
      // eslint-disable-next-line react-hooks/exhaustive-deps
      [model, version, query],
    );
    const matchSet = useMemo(() => new Set(matches), [matches]);
    const currentLine = matches.length
      ? matches[Math.min(current, matches.length - 1)]
      : undefined;

    useEffect(() => {
      const el = viewport.current;
      if (!el || typeof ResizeObserver === 'undefined') return undefined;
      const observer = new ResizeObserver(() => {
        if (el.clientHeight) setViewportHeight(el.clientHeight);
      });
      observer.observe(el);
      return () => observer.disconnect();
    }, []);

    const scrollToRow = useCallback(
      (rowIndex: number) => {
        const el = viewport.current;
        if (!el || rowIndex < 0) return;
        const top = rowIndex * LINE_HEIGHT;
        const visible = el.clientHeight || viewportHeight;
        if (top < el.scrollTop || top + LINE_HEIGHT > el.scrollTop + visible) {
          programmaticScroll.current = true;
          el.scrollTop = Math.max(0, top - visible / 3);
          setScrollTop(el.scrollTop);
        }
      },
      [viewportHeight],
    );

    /** Shows a line: expands its step if collapsed, then scrolls to it. */
    const revealLine = useCallback(
      (lineIndex: number) => {
        const group = model.groupOf[lineIndex];
        if (group && collapsed.has(group.key)) {
          setCollapsed(c => {
            const next = new Set(c);
            next.delete(group.key);
            return next;
          });
          return; // scrolled by the effect below once rows include it
        }
        scrollToRow(rows.indexOf(lineIndex));
      },
      [model, collapsed, rows, scrollToRow],
    );

    // Search: keep the current match in view
    useEffect(() => {
      if (currentLine !== undefined) {
        setFollow(false);
        revealLine(currentLine);
      }
      // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [currentLine, query]);

    // A #L<seq> link: once that line has arrived, select it and scroll to it
    useEffect(() => {
      if (hashHandled.current) return;
      const seq = hashSeq();
      if (seq === undefined) {
        hashHandled.current = true;
        return;
      }
      const index = model.indexOfSeq(seq);
      if (index === -1) return;
      hashHandled.current = true;
      setSelectedSeq(seq);
      setFollow(false);
      revealLine(index);
    }, [model, version, rows, revealLine]);

    // Follow mode: stick to the newest line
    useEffect(() => {
      const el = viewport.current;
      if (!follow || !el) return;
      programmaticScroll.current = true;
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }, [follow, rows]);

    useEffect(() => {
      if (!live) setFollow(false);
    }, [live]);

    useImperativeHandle(
      ref,
      () => ({
        scrollToJob(jobRunId: string) {
          const g = groups.findIndex(group => group.jobRunId === jobRunId);
          if (g === -1) return;
          setFollow(false);
          setCollapsed(c => {
            const next = new Set(c);
            for (const group of groups) {
              if (group.jobRunId === jobRunId) next.delete(group.key);
            }
            return next;
          });
          const row = rows.indexOf(-g - 1);
          const el = viewport.current;
          if (el && row >= 0) {
            programmaticScroll.current = true;
            el.scrollTop = row * LINE_HEIGHT;
            setScrollTop(el.scrollTop);
            el.focus();
          }
        },
      }),
      [groups, rows],
    );

    const frame = useRef<number>();
    // Reads only scrollTop: scrollHeight and clientHeight would force a layout on every
    // scroll event, which was most of a frame's time with 200,000 lines.
    const onScroll = () => {
      const el = viewport.current;
      if (!el) return;
      if (frame.current === undefined) {
        frame.current = requestAnimationFrame(() => {
          frame.current = undefined;
          setScrollTop(el.scrollTop);
        });
      }
      if (programmaticScroll.current) {
        programmaticScroll.current = false;
        return;
      }
      if (!follow) return;
      const atBottom =
        el.scrollTop + viewportHeight >=
        rows.length * LINE_HEIGHT - LINE_HEIGHT * 2;
      if (!atBottom) setFollow(false);
    };

    const toggleGroup = (key: string) =>
      setCollapsed(c => {
        const next = new Set(c);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        return next;
      });

    const step = (delta: number) => {
      if (!matches.length) return;
      setCurrent(c => (c + delta + matches.length) % matches.length);
    };

    const first = Math.max(0, Math.floor(scrollTop / LINE_HEIGHT) - OVERSCAN);
    const last = Math.min(
      rows.length,
      Math.ceil((scrollTop + viewportHeight) / LINE_HEIGHT) + OVERSCAN,
    );

    const headerLabel = (group: LogGroup) => {
      const job = run.jobs.find(j => j.jobRunId === group.jobRunId);
      const stepRun = job?.steps.find(s => s.stepIndex === group.stepIndex);
      const name =
        group.stepIndex === -1
          ? `${job?.name ?? group.jobRunId} › set up`
          : `${job?.name ?? group.jobRunId} › ${
              stepRun?.name ?? `step ${group.stepIndex + 1}`
            }`;
      return { name, stepRun, job };
    };

    let searchSummary = `${model.size.toLocaleString()} lines`;
    if (query) {
      searchSummary = matches.length
        ? `${Math.min(current, matches.length - 1) + 1} of ${
            matches.length
          } matches`
        : 'No matches';
    }
    const streamClass: Record<string, string> = {
      stderr: classes.stderr,
      system: classes.system,
    };

    // Rows are keyed by their slot in the window, not by line: a row that scrolls out hands its
    // DOM nodes to the row that scrolls in, so a jump across the log updates text in place
    // instead of building every row again.
    const slots = Math.ceil(viewportHeight / LINE_HEIGHT) + 2 * OVERSCAN + 2;
    const visible: ReactNode[] = [];
    for (let r = first; r < last; r++) {
      const value = rows[r];
      const top = r * LINE_HEIGHT;
      if (value < 0) {
        const group = groups[-value - 1];
        const { name, stepRun, job } = headerLabel(group);
        const status = stepRun?.status ?? job?.status;
        const isFailing = group.key === failingKey;
        const open = !collapsed.has(group.key);
        visible.push(
          <button
            type="button"
            key={r % slots}
            className={`${classes.row} ${classes.header} ${
              isFailing ? classes.failingHeader : ''
            }`}
            style={{ top }}
            aria-expanded={open}
            onClick={() => toggleGroup(group.key)}
          >
            <span aria-hidden>{open ? '▾' : '▸'}</span>
            <span>{name}</span>
            {status && <StatusIndicator status={status} />}
            {stepRun?.exitCode !== undefined && stepRun.exitCode !== 0 && (
              <span>exit code {stepRun.exitCode}</span>
            )}
            {stepRun && (
              <span>
                {formatDuration(
                  elapsedMs(
                    stepRun.startedAt,
                    stepRun.finishedAt,
                    stepRun.durationMs,
                  ),
                )}
              </span>
            )}
            <span>
              {group.lines.length} line{group.lines.length === 1 ? '' : 's'}
            </span>
            {isFailing && (
              <span className={classes.failingLabel}>Failing step</span>
            )}
          </button>,
        );
        continue;
      }
      const seq = model.seqs[value];
      const stream = model.streams[value];
      const inFailing = model.groupOf[value]?.key === failingKey;
      const rowClass = [
        classes.row,
        seq === selectedSeq ? classes.selected : '',
        value === currentLine ? classes.currentMatch : '',
        inFailing && stream === 'stderr' ? classes.failingLine : '',
      ].join(' ');
      visible.push(
        <div
          key={r % slots}
          className={rowClass}
          style={{ top }}
          data-seq={seq}
          id={`L${seq}`}
        >
          <a
            className={classes.lineNumber}
            href={`#L${seq}`}
            aria-label={`Line ${seq}`}
            onClick={event => {
              event.preventDefault();
              window.history.replaceState(
                window.history.state,
                '',
                `${window.location.pathname}${window.location.search}#L${seq}`,
              );
              setSelectedSeq(seq);
            }}
          >
            {seq}
          </a>
          {showTimestamps && (
            <span className={classes.timestamp}>
              {model.timestamps[value].slice(11, 23)}
            </span>
          )}
          <span className={`${classes.text} ${streamClass[stream] ?? ''}`}>
            {matchSet.has(value)
              ? highlight(model.texts[value], query, classes.mark)
              : highlight(model.texts[value], '', classes.mark)}
          </span>
        </div>,
      );
    }

    // The toolbar does not change while scrolling: the same element skips its re-render
    const toolbar = useMemo(
      () => (
        <div className={classes.toolbar} role="toolbar" aria-label="Log tools">
          <TextField
            id="log-search"
            label="Search log"
            size="small"
            variant="outlined"
            value={queryText}
            onChange={e => {
              setQueryText(e.target.value);
              setCurrent(0);
            }}
            onKeyDown={e => {
              if (e.key === 'Enter') {
                e.preventDefault();
                step(e.shiftKey ? -1 : 1);
              }
              if (e.key === 'Escape') setQueryText('');
            }}
          />
          <Typography variant="body2" aria-live="polite">
            {searchSummary}
          </Typography>
          <IconButton
            size="small"
            aria-label="Previous match"
            disabled={!matches.length}
            onClick={() => step(-1)}
          >
            <ArrowUpwardIcon fontSize="small" />
          </IconButton>
          <IconButton
            size="small"
            aria-label="Next match"
            disabled={!matches.length}
            onClick={() => step(1)}
          >
            <ArrowDownwardIcon fontSize="small" />
          </IconButton>
          <FormControlLabel
            control={
              <Switch
                checked={follow}
                onChange={e => setFollow(e.target.checked)}
                disabled={!live}
              />
            }
            label="Follow"
          />
          <FormControlLabel
            control={
              <Switch
                checked={showTimestamps}
                onChange={e => setShowTimestamps(e.target.checked)}
              />
            }
            label="Timestamps"
          />
          <Button size="small" onClick={() => setCollapsed(new Set())}>
            Expand all
          </Button>
          <Button
            size="small"
            onClick={() => setCollapsed(new Set(groups.map(g => g.key)))}
          >
            Collapse all
          </Button>
          {onDownload && (
            <Button
              size="small"
              startIcon={<GetAppIcon />}
              onClick={onDownload}
            >
              Download raw log
            </Button>
          )}
        </div>
      ),
      // eslint-disable-next-line react-hooks/exhaustive-deps
      [
        queryText,
        searchSummary,
        matches,
        follow,
        live,
        showTimestamps,
        groups,
        onDownload,
      ],
    );

    return (
      <div>
        {toolbar}
        <div
          ref={viewport}
          className={classes.viewport}
          style={{ height }}
          // A scrollable region must be reachable by keyboard (arrows, Page Up/Down)
          // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
          tabIndex={0}
          role="region"
          aria-label="Run log"
          aria-busy={loading || undefined}
          onScroll={onScroll}
          data-testid="log-viewport"
        >
          {rows.length === 0 ? (
            <div className={classes.empty}>
              {loading || live ? 'Waiting for log lines…' : 'No log lines.'}
            </div>
          ) : (
            <div
              style={{
                height: rows.length * LINE_HEIGHT,
                position: 'relative',
              }}
            >
              {visible}
            </div>
          )}
        </div>
      </div>
    );
  },
);
