import type { JiraStatusCategory } from '@internal/plugin-jira-common';
import { Chip, makeStyles } from '@material-ui/core';
import { CATEGORY_LABEL } from '../format';

// Jira's own colours per category: grey to do, blue in progress, green done
const useStyles = makeStyles(theme => ({
  new: {
    backgroundColor: theme.palette.grey[300],
    color: theme.palette.getContrastText(theme.palette.grey[300]),
  },
  indeterminate: {
    backgroundColor: theme.palette.info.main,
    color: theme.palette.info.contrastText,
  },
  done: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
}));

export type StatusChipProps = {
  status: { name: string; category: JiraStatusCategory };
};

/** The status name on its category's colour; the category is in the title for everyone. */
export function StatusChip(props: StatusChipProps) {
  const classes = useStyles();
  const { name, category } = props.status;
  return (
    <Chip
      size="small"
      label={name}
      className={classes[category] ?? classes.new}
      title={`Status category: ${CATEGORY_LABEL[category] ?? category}`}
      data-category={category}
    />
  );
}
