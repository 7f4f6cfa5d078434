import { Box, Chip, IconButton, Tooltip, Typography } from '@material-ui/core';
import ArrowDownwardIcon from '@material-ui/icons/ArrowDownward';
import ArrowUpwardIcon from '@material-ui/icons/ArrowUpward';
import DeleteIcon from '@material-ui/icons/Delete';
import EditIcon from '@material-ui/icons/Edit';
import PlayArrowIcon from '@material-ui/icons/PlayArrow';
import type { TestStep } from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import type { FragileNote } from '../recordingMessages';
import {
  describeLocator,
  describeStep,
  isFragileLocator,
  stepLocator,
} from '../stepText';
import { StepEditDialog } from './StepEditDialog';
import { StatusChip } from './StatusChip';

/** A recorded step with what the backend said about its locator. */
export type RecordedStep = { step: TestStep; fragile?: FragileNote };

export type ReplayState = Record<number, { status: string; error?: string }>;

export type StepsPanelProps = {
  steps: RecordedStep[];
  onChange: (steps: RecordedStep[]) => void;
  /** Replays the steps up to and including `index`. */
  onReplay: (index: number) => void;
  replay: ReplayState;
  /** While the session is not connected, replays cannot run. */
  canReplay: boolean;
};

/** The fragile note to show: the backend's, or one for a CSS/nth locator edited in by hand. */
function fragileOf(recorded: RecordedStep): FragileNote | undefined {
  if (recorded.fragile) return recorded.fragile;
  const locator = stepLocator(recorded.step);
  if (locator && isFragileLocator(locator)) {
    return {
      reason: `${describeLocator(locator)} depends on the page's structure`,
      suggestion: 'Add a test id to the element',
    };
  }
  return undefined;
}

/** The recorded steps: edit, reorder, delete, replay up to one. */
export function StepsPanel(props: StepsPanelProps) {
  const { steps } = props;
  const [editing, setEditing] = useState<number | undefined>();
  const move = (from: number, to: number) => {
    const next = [...steps];
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved);
    props.onChange(next);
  };

  if (steps.length === 0) {
    return (
      <Typography color="textSecondary">
        Use the page on the left: each click, typed text and key becomes a step.
      </Typography>
    );
  }
  return (
    <Box component="ol" aria-label="Recorded steps" pl={3} m={0}>
      {steps.map((recorded, index) => {
        const fragile = fragileOf(recorded);
        const text = describeStep(recorded.step);
        const replayed = props.replay[index];
        return (
          <li key={recorded.step.id}>
            <Box
              display="flex"
              alignItems="center"
              flexWrap="wrap"
              style={{ gap: 4 }}
            >
              <Typography variant="body2" style={{ flex: '1 1 160px' }}>
                {text}
              </Typography>
              {replayed && <StatusChip status={replayed.status} />}
              <Tooltip title="Edit">
                <IconButton
                  size="small"
                  aria-label={`Edit step ${index + 1}`}
                  onClick={() => setEditing(index)}
                >
                  <EditIcon fontSize="small" />
                </IconButton>
              </Tooltip>
              <IconButton
                size="small"
                aria-label={`Move step ${index + 1} up`}
                disabled={index === 0}
                onClick={() => move(index, index - 1)}
              >
                <ArrowUpwardIcon fontSize="small" />
              </IconButton>
              <IconButton
                size="small"
                aria-label={`Move step ${index + 1} down`}
                disabled={index === steps.length - 1}
                onClick={() => move(index, index + 1)}
              >
                <ArrowDownwardIcon fontSize="small" />
              </IconButton>
              <IconButton
                size="small"
                aria-label={`Delete step ${index + 1}`}
                onClick={() =>
                  props.onChange(steps.filter((_, i) => i !== index))
                }
              >
                <DeleteIcon fontSize="small" />
              </IconButton>
              <Tooltip title="Replay to here">
                <span>
                  <IconButton
                    size="small"
                    aria-label={`Replay to step ${index + 1}`}
                    disabled={!props.canReplay}
                    onClick={() => props.onReplay(index)}
                  >
                    <PlayArrowIcon fontSize="small" />
                  </IconButton>
                </span>
              </Tooltip>
            </Box>
            {fragile && (
              <Chip
                size="small"
                label={`Fragile: ${fragile.reason}. ${fragile.suggestion}`}
                style={{
                  background: '#fff3e0',
                  color: '#e65100',
                  maxWidth: '100%',
                  height: 'auto',
                  whiteSpace: 'normal',
                }}
              />
            )}
            {replayed?.error && (
              <Typography variant="body2" color="error">
                {replayed.error}
              </Typography>
            )}
          </li>
        );
      })}
      {editing !== undefined && steps[editing] && (
        <StepEditDialog
          step={steps[editing].step}
          onCancel={() => setEditing(undefined)}
          onSave={step => {
            const next = [...steps];
            // An edited locator is the user's choice: the backend's note no longer applies
            next[editing] = { step };
            props.onChange(next);
            setEditing(undefined);
          }}
        />
      )}
    </Box>
  );
}
