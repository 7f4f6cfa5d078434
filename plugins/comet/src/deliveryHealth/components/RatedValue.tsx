import { Link } from '@backstage/core-components';
import { Box, makeStyles, Typography } from '@material-ui/core';
import CancelIcon from '@material-ui/icons/Cancel';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import WarningIcon from '@material-ui/icons/Warning';
import type { DeliveryHealthRating } from '@internal/plugin-comet-common';
import type { DeliveryHealthFigure } from '../figures';
import { useAppLink } from './useAppLink';

const useStyles = makeStyles(theme => ({
  value: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    fontWeight: 600,
  },
  good: { color: theme.palette.success.dark },
  warn: { color: theme.palette.warning.dark },
  bad: { color: theme.palette.error.dark },
  link: { color: 'inherit', textDecoration: 'underline' },
}));

const ICONS = { good: CheckCircleIcon, warn: WarningIcon, bad: CancelIcon };

export const RATING_LABELS: Record<DeliveryHealthRating, string> = {
  good: 'good',
  warn: 'warning',
  bad: 'bad',
};

export type RatingIconProps = { rating: DeliveryHealthRating };

/** The rating as a shape (tick, triangle, cross) with its name for screen readers. */
export function RatingIcon(props: RatingIconProps) {
  const Icon = ICONS[props.rating];
  const label = `Rated ${RATING_LABELS[props.rating]}`;
  return (
    <Icon fontSize="small" role="img" aria-label={label} titleAccess={label} />
  );
}

export type RatedValueProps = {
  figure: DeliveryHealthFigure;
  /** In the table the detail is a tooltip, not a line of its own. */
  compact?: boolean;
};

/** A figure's value, coloured and marked by its rating, linked to its source. */
export function RatedValue(props: RatedValueProps) {
  const { figure, compact } = props;
  const classes = useStyles();
  const appLink = useAppLink();
  const ratingClass = figure.rating ? classes[figure.rating] : undefined;
  return (
    <Box>
      <Typography
        component="span"
        variant="body2"
        className={`${classes.value} ${ratingClass ?? ''}`}
        title={compact ? figure.detail : undefined}
        data-rating={figure.rating ?? 'none'}
      >
        {figure.rating && <RatingIcon rating={figure.rating} />}
        {figure.link ? (
          <Link to={appLink(figure.link)} className={classes.link}>
            {figure.text}
          </Link>
        ) : (
          figure.text
        )}
      </Typography>
      {!compact && figure.detail && (
        <Typography variant="caption" color="textSecondary" component="div">
          {figure.detail}
        </Typography>
      )}
    </Box>
  );
}
