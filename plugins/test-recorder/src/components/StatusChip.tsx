import { Chip } from '@material-ui/core';

const COLOURS: Record<string, string> = {
  passed: '#2e7d32',
  match: '#2e7d32',
  failed: '#c62828',
  differs: '#c62828',
  flaky: '#ef6c00',
  running: '#1565c0',
  queued: '#616161',
  skipped: '#757575',
  cancelled: '#757575',
  new: '#6a1b9a',
  quarantined: '#5d4037',
};

/** The colour the pages and the history chart give a status. */
export function statusColour(status: string): string {
  return COLOURS[status] ?? '#616161';
}

export type StatusChipProps = { status: string; label?: string };

/** A run's, test's or step's status, coloured alike everywhere. */
export function StatusChip(props: StatusChipProps) {
  const colour = statusColour(props.status);
  return (
    <Chip
      size="small"
      variant="outlined"
      label={props.label ?? props.status}
      data-status={props.status}
      style={{ borderColor: colour, color: colour, fontWeight: 600 }}
    />
  );
}
