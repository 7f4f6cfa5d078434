import { Box, Chip, Tooltip, Typography } from '@material-ui/core';
import type { TestStep } from '@internal/plugin-test-recorder-common';
import {
  describeLocator,
  describeStep,
  isFragileLocator,
  stepLocator,
} from '../stepText';

export type StepListProps = { steps: TestStep[]; label: string };

/** A test's steps, read-only, with a warning on each fragile locator. */
export function StepList(props: StepListProps) {
  return (
    <Box component="ol" aria-label={props.label} pl={3} m={0}>
      {props.steps.map(step => {
        const locator = stepLocator(step);
        const fragile = locator && isFragileLocator(locator);
        return (
          <li key={step.id}>
            <Typography variant="body2" component="span">
              {describeStep(step)}
            </Typography>
            {fragile && (
              <Tooltip
                title={`${describeLocator(
                  locator,
                )} breaks when the page changes: add a test id to the element`}
              >
                <Chip
                  size="small"
                  label="Fragile locator"
                  style={{
                    marginLeft: 8,
                    background: '#fff3e0',
                    color: '#e65100',
                  }}
                />
              </Tooltip>
            )}
          </li>
        );
      })}
    </Box>
  );
}
