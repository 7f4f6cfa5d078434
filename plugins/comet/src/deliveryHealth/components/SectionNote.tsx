import { Link } from '@backstage/core-components';
import { Box, makeStyles, Typography } from '@material-ui/core';
import ErrorOutlineIcon from '@material-ui/icons/ErrorOutline';
import InfoOutlinedIcon from '@material-ui/icons/InfoOutlined';
import { useAppLink } from './useAppLink';

const useStyles = makeStyles(theme => ({
  note: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(0.5),
  },
  'not-configured': { color: theme.palette.text.secondary },
  error: { color: theme.palette.error.dark },
  info: { color: theme.palette.text.secondary },
}));

export type SectionNoteProps = {
  /** `not-configured` in grey (it says what to configure), `error` with an error icon. */
  kind: 'not-configured' | 'error' | 'info';
  message: string;
  link?: string;
  linkLabel?: string;
};

/** Why a section shows no figures, or what the reader should know about its figures. */
export function SectionNote(props: SectionNoteProps) {
  const classes = useStyles();
  const appLink = useAppLink();
  const Icon = props.kind === 'error' ? ErrorOutlineIcon : InfoOutlinedIcon;
  const iconLabel = props.kind === 'error' ? 'Error' : 'Note';
  return (
    <Box className={`${classes.note} ${classes[props.kind]}`}>
      <Icon
        fontSize="small"
        role="img"
        aria-label={iconLabel}
        titleAccess={iconLabel}
      />
      <Typography variant="body2" component="span" data-kind={props.kind}>
        {props.message}
        {props.link && props.linkLabel && (
          <>
            {' '}
            <Link to={appLink(props.link)}>{props.linkLabel}</Link>
          </>
        )}
      </Typography>
    </Box>
  );
}
