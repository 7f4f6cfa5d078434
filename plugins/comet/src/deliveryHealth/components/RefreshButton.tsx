import { CircularProgress, IconButton } from '@material-ui/core';
import RefreshIcon from '@material-ui/icons/Refresh';

export type RefreshButtonProps = { loading: boolean; onRefresh: () => void };

/** Reads the figures again; shows a spinner while they load. */
export function RefreshButton(props: RefreshButtonProps) {
  return (
    <IconButton
      aria-label="Refresh delivery health"
      title="Refresh"
      onClick={props.onRefresh}
      disabled={props.loading}
      aria-busy={props.loading}
    >
      {props.loading ? (
        <CircularProgress size={20} aria-hidden />
      ) : (
        <RefreshIcon />
      )}
    </IconButton>
  );
}
