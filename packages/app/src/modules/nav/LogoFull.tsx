import { makeStyles } from '@material-ui/core';
import { CometMark } from './CometMark';

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', gap: 10, color: '#fff' },
  text: {
    fontSize: 26,
    fontWeight: 700,
    letterSpacing: 0.5,
    fontFamily: 'inherit',
  },
});

export const LogoFull = () => {
  const classes = useStyles();
  return (
    <span className={classes.root}>
      <CometMark size={34} />
      <span className={classes.text}>Comet</span>
    </span>
  );
};
