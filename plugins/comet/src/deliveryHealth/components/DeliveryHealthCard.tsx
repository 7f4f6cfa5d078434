import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@material-ui/core';
import { useLoader } from '@internal/react-common';
import { Fragment } from 'react';
import { deliveryHealthApiRef } from '../api';
import {
  DELIVERY_HEALTH_FIGURES,
  deliveryHealthSections,
  formatDateTime,
  type DeliveryHealthSectionView,
} from '../figures';
import { LoadingBar } from './LoadingBar';
import { RatedValue } from './RatedValue';
import { RefreshButton } from './RefreshButton';
import { SectionNote } from './SectionNote';

/** Labels never break inside a word ("Succes/s rate"): they take the width they need. */
const useStyles = makeStyles({
  label: {
    whiteSpace: 'nowrap',
    width: '1%',
    wordBreak: 'normal',
    overflowWrap: 'normal',
  },
});

function SectionRows(props: { section: DeliveryHealthSectionView }) {
  const { section } = props;
  const classes = useStyles();
  if (section.status !== 'ok') {
    return (
      <TableRow data-section={section.name}>
        <TableCell
          component="th"
          scope="row"
          role="rowheader"
          className={classes.label}
        >
          {section.title}
        </TableCell>
        <TableCell>
          <SectionNote
            kind={section.status}
            message={section.message}
            link={section.link}
            linkLabel={section.link ? `Open ${section.title}` : undefined}
          />
        </TableCell>
      </TableRow>
    );
  }
  return (
    <>
      {section.figures.map(figure => (
        <TableRow key={figure.id} data-figure={figure.id}>
          <TableCell
            component="th"
            scope="row"
            role="rowheader"
            className={classes.label}
          >
            {figure.label}
          </TableCell>
          <TableCell>
            <RatedValue figure={figure} />
          </TableCell>
        </TableRow>
      ))}
      {section.message && (
        <TableRow>
          <TableCell />
          <TableCell>
            <SectionNote kind="info" message={section.message} />
          </TableCell>
        </TableRow>
      )}
    </>
  );
}

function LoadingRows() {
  const classes = useStyles();
  return (
    <>
      {DELIVERY_HEALTH_FIGURES.map(figure => (
        <TableRow key={figure.id}>
          <TableCell
            component="th"
            scope="row"
            role="rowheader"
            className={classes.label}
          >
            {figure.label}
          </TableCell>
          <TableCell>
            <LoadingBar />
          </TableCell>
        </TableRow>
      ))}
    </>
  );
}

/**
 * An entity's delivery health, one row per figure: its value, rating and source. A section
 * that is not configured or failed shows its message; the others are unaffected.
 */
export function DeliveryHealthCard() {
  const { entity } = useEntity();
  const api = useApi(deliveryHealthApiRef);
  const entityRef = stringifyEntityRef(entity);
  const health = useLoader(
    () => api.getEntityHealth(entityRef),
    [api, entityRef],
  );

  let body;
  if (health.error && !health.loading) {
    body = <ResponseErrorPanel error={health.error} />;
  } else if (!health.value) {
    body = (
      <Table size="small" aria-label="Delivery health" aria-busy>
        <TableBody>
          <LoadingRows />
        </TableBody>
      </Table>
    );
  } else {
    body = (
      <Table
        size="small"
        aria-label="Delivery health"
        aria-busy={health.loading}
      >
        <TableBody>
          {deliveryHealthSections(health.value).map(section => (
            <Fragment key={section.name}>
              <SectionRows section={section} />
            </Fragment>
          ))}
        </TableBody>
      </Table>
    );
  }
  return (
    <InfoCard
      title="Delivery health"
      subheader={
        health.value && (
          <Typography variant="caption" color="textSecondary">
            Computed {formatDateTime(health.value.computedAt)}
          </Typography>
        )
      }
      action={
        <RefreshButton loading={health.loading} onRefresh={health.retry} />
      }
    >
      {body}
    </InfoCard>
  );
}
