import { makeStyles } from '@material-ui/core/styles';
import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';
import { ReactNode, useId } from 'react';
import { StatusIndicator } from '../common/StatusIndicator';
import { layoutGraph } from './graphLayout';

const NODE_WIDTH = 210;
const NODE_HEIGHT = 64;
const COLUMN_GAP = 56;
const ROW_GAP = 14;

const useStyles = makeStyles(theme => ({
  scroller: { overflowX: 'auto', paddingBottom: theme.spacing(1) },
  canvas: { position: 'relative' },
  svg: { position: 'absolute', left: 0, top: 0, pointerEvents: 'none' },
  edge: {
    stroke: theme.palette.text.secondary,
    strokeWidth: 1.5,
    fill: 'none',
  },
  node: {
    position: 'absolute',
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    boxSizing: 'border-box',
    border: `1px solid ${theme.palette.divider}`,
    borderLeftWidth: 5,
    borderRadius: 6,
    background: theme.palette.background.paper,
    color: theme.palette.text.primary,
    padding: theme.spacing(0.5, 1),
    textAlign: 'left',
    font: 'inherit',
    fontSize: 13,
    display: 'flex',
    flexDirection: 'column',
    justifyContent: 'center',
    gap: 2,
    overflow: 'hidden',
    cursor: 'pointer',
    '&:focus-visible': { outline: `3px solid ${theme.palette.primary.main}` },
  },
  name: {
    fontWeight: 600,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  },
  meta: {
    display: 'flex',
    gap: 8,
    color: theme.palette.text.secondary,
    fontSize: 12,
    whiteSpace: 'nowrap',
  },
  succeeded: { borderLeftColor: theme.palette.success?.main ?? '#2e7d32' },
  failed: { borderLeftColor: theme.palette.error.main },
  running: { borderLeftColor: theme.palette.info?.main ?? '#0277bd' },
  waiting: { borderLeftColor: theme.palette.warning?.main ?? '#ed6c02' },
  queued: { borderLeftColor: theme.palette.grey[500] },
  cancelled: { borderLeftColor: theme.palette.grey[500] },
  skipped: { borderLeftColor: theme.palette.grey[400] },
  selected: { boxShadow: `0 0 0 2px ${theme.palette.primary.main}` },
  hidden: { display: 'none' },
}));

export type JobGraphNode = {
  id: string;
  name: string;
  needs: string[];
  status?: PipelineRunStatus;
  /** A second line: duration, matrix values, "approval". */
  detail?: ReactNode;
};

export type JobGraphProps = {
  nodes: JobGraphNode[];
  label: string;
  selected?: string;
  onSelect?(id: string): void;
};

/** Jobs as boxes in columns by dependency depth, `needs` as arrows. Used live and in the editor. */
export function JobGraph(props: JobGraphProps) {
  const { nodes, label, selected, onSelect } = props;
  const classes = useStyles();
  const idPrefix = useId();
  const { placed, columns, rows } = layoutGraph(nodes);
  const names = new Map(nodes.map(n => [n.id, n.name]));
  const position = new Map(
    placed.map(p => [
      p.id,
      {
        x: p.column * (NODE_WIDTH + COLUMN_GAP),
        y: p.row * (NODE_HEIGHT + ROW_GAP),
      },
    ]),
  );
  const width = Math.max(1, columns) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP;
  const height = Math.max(1, rows) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
  return (
    <div className={classes.scroller}>
      <div
        className={classes.canvas}
        style={{ width, height }}
        role="group"
        aria-label={label}
      >
        <svg
          className={classes.svg}
          width={width}
          height={height}
          aria-hidden="true"
        >
          <defs>
            <marker
              id="job-graph-arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" />
            </marker>
          </defs>
          {nodes.flatMap(node =>
            node.needs
              .filter(need => position.has(need))
              .map(need => {
                const from = position.get(need)!;
                const to = position.get(node.id)!;
                const x1 = from.x + NODE_WIDTH;
                const y1 = from.y + NODE_HEIGHT / 2;
                const x2 = to.x - 2;
                const y2 = to.y + NODE_HEIGHT / 2;
                const mid = (x1 + x2) / 2;
                return (
                  <path
                    key={`${need}->${node.id}`}
                    className={classes.edge}
                    d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
                    markerEnd="url(#job-graph-arrow)"
                    data-edge={`${need} -> ${node.id}`}
                  />
                );
              }),
          )}
        </svg>
        {nodes.map((node, index) => {
          const at = position.get(node.id)!;
          const statusClass = node.status ? classes[node.status] : '';
          // The arrows are drawn for the eye only: a node's description names what it needs
          const needs = node.needs.filter(need => names.has(need));
          // By index: a matrix instance's id has spaces, which an IDREF cannot
          const needsId = `${idPrefix}-needs-${index}`;
          return (
            <button
              type="button"
              key={node.id}
              className={`${classes.node} ${statusClass} ${
                selected === node.id ? classes.selected : ''
              }`}
              style={{ left: at.x, top: at.y }}
              onClick={() => onSelect?.(node.id)}
              aria-pressed={onSelect ? selected === node.id : undefined}
              data-job={node.id}
              aria-describedby={needs.length ? needsId : undefined}
            >
              <span className={classes.name} title={node.name}>
                {node.name}
              </span>
              <span className={classes.meta}>
                {node.status && <StatusIndicator status={node.status} />}
                {node.detail}
              </span>
              {needs.length > 0 && (
                <span id={needsId} className={classes.hidden}>
                  Needs {needs.map(need => names.get(need)).join(', ')}
                </span>
              )}
            </button>
          );
        })}
      </div>
    </div>
  );
}
