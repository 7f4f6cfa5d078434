import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'flex-end',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
}));

export type CursorPagerProps = {
  page: number;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
  total?: number;
  totalIsLowerBound?: boolean;
};

/** Server-side paging by opaque cursor: previous pages are remembered, not recounted. */
export function CursorPager(props: CursorPagerProps) {
  const { page, hasNext, onPrevious, onNext, total, totalIsLowerBound } = props;
  const classes = useStyles();
  return (
    <nav className={classes.root} aria-label="Pages of runs">
      <Typography variant="body2" aria-live="polite">
        Page {page + 1}
        {total !== undefined
          ? ` of ${totalIsLowerBound ? 'at least ' : ''}${total} runs`
          : ''}
      </Typography>
      <Button size="small" disabled={page === 0} onClick={onPrevious}>
        Previous page
      </Button>
      <Button size="small" disabled={!hasNext} onClick={onNext}>
        Next page
      </Button>
    </nav>
  );
}
