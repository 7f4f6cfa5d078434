import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  '@keyframes pulse': {
    '0%': { opacity: 1 },
    '50%': { opacity: 0.4 },
    '100%': { opacity: 1 },
  },
  bar: {
    display: 'block',
    height: '1em',
    borderRadius: theme.shape.borderRadius,
    backgroundColor: theme.palette.action.hover,
    animation: '$pulse 1.5s ease-in-out infinite',
  },
}));

export type LoadingBarProps = { width?: number | string };

/** A grey placeholder where a value will be, while it loads. */
export function LoadingBar(props: LoadingBarProps) {
  const classes = useStyles();
  return (
    <span
      className={classes.bar}
      style={{ width: props.width ?? '60%' }}
      aria-hidden
    />
  );
}
