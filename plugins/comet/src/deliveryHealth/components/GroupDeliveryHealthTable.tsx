import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import {
  Box,
  makeStyles,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TableSortLabel,
  Typography,
} from '@material-ui/core';
import type { EntityDeliveryHealth } from '@internal/plugin-comet-common';
import { useLoader } from '@internal/react-common';
import { useMemo, useState } from 'react';
import { deliveryHealthApiRef } from '../api';
import {
  DELIVERY_HEALTH_FIGURES,
  deliveryHealthSections,
  figureCount,
  type DeliveryHealthFigure,
  type DeliveryHealthFigureId,
  type DeliveryHealthSectionView,
} from '../figures';
import { LoadingBar } from './LoadingBar';
import { RatedValue } from './RatedValue';
import { RefreshButton } from './RefreshButton';
import { SectionNote } from './SectionNote';

const useStyles = makeStyles({
  table: { overflowX: 'auto' },
  head: { whiteSpace: 'nowrap' },
});

type SortColumn = 'name' | DeliveryHealthFigureId;
type Sort = { column: SortColumn; direction: 'asc' | 'desc' };

type Row = {
  health: EntityDeliveryHealth;
  sections: DeliveryHealthSectionView[];
  figures: Map<DeliveryHealthFigureId, DeliveryHealthFigure>;
};

function toRow(health: EntityDeliveryHealth): Row {
  const sections = deliveryHealthSections(health);
  const figures = new Map<DeliveryHealthFigureId, DeliveryHealthFigure>();
  for (const section of sections) {
    if (section.status !== 'ok') continue;
    for (const figure of section.figures) figures.set(figure.id, figure);
  }
  return { health, sections, figures };
}

/** Rows without the value sort last whichever the direction; ties keep the name order. */
function sortRows(rows: Row[], sort: Sort): Row[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const byName = (a: Row, b: Row) =>
    a.health.title.localeCompare(b.health.title, 'en-US');
  return [...rows].sort((a, b) => {
    if (sort.column === 'name') return sign * byName(a, b);
    const left = a.figures.get(sort.column)?.sortValue;
    const right = b.figures.get(sort.column)?.sortValue;
    if (left === undefined && right === undefined) return byName(a, b);
    if (left === undefined) return 1;
    if (right === undefined) return -1;
    return sign * (left - right) || byName(a, b);
  });
}

function SectionCells(props: { section: DeliveryHealthSectionView }) {
  const { section } = props;
  if (section.status !== 'ok') {
    return (
      <TableCell colSpan={figureCount(section.name)}>
        <SectionNote kind={section.status} message={section.message} />
      </TableCell>
    );
  }
  return (
    <>
      {section.figures.map(figure => (
        <TableCell key={figure.id} data-figure={figure.id}>
          <RatedValue figure={figure} compact />
        </TableCell>
      ))}
    </>
  );
}

function HeadCell(props: {
  column: SortColumn;
  label: string;
  sort: Sort;
  onSort: (column: SortColumn) => void;
}) {
  const active = props.sort.column === props.column;
  let ariaSort: 'ascending' | 'descending' | undefined;
  if (active) {
    ariaSort = props.sort.direction === 'asc' ? 'ascending' : 'descending';
  }
  return (
    <TableCell aria-sort={ariaSort}>
      <TableSortLabel
        active={active}
        direction={active ? props.sort.direction : 'asc'}
        onClick={() => props.onSort(props.column)}
      >
        {props.label}
      </TableSortLabel>
    </TableCell>
  );
}

/**
 * On a Group: the components it owns, one row each, a column per figure (coloured by its
 * rating, linked to its source), sortable by any column.
 */
export function GroupDeliveryHealthTable() {
  const classes = useStyles();
  const { entity } = useEntity();
  const api = useApi(deliveryHealthApiRef);
  const groupRef = stringifyEntityRef(entity);
  const group = useLoader(() => api.getGroupHealth(groupRef), [api, groupRef]);
  const [sort, setSort] = useState<Sort>({ column: 'name', direction: 'asc' });
  const rows = useMemo(
    () => group.value?.entities.map(toRow) ?? [],
    [group.value],
  );
  const sorted = useMemo(() => sortRows(rows, sort), [rows, sort]);

  const onSort = (column: SortColumn) =>
    setSort(current =>
      current.column === column
        ? { column, direction: current.direction === 'asc' ? 'desc' : 'asc' }
        : { column, direction: 'asc' },
    );

  const head = (
    <TableHead>
      <TableRow className={classes.head}>
        <HeadCell column="name" label="Component" sort={sort} onSort={onSort} />
        {DELIVERY_HEALTH_FIGURES.map(figure => (
          <HeadCell
            key={figure.id}
            column={figure.id}
            label={figure.label}
            sort={sort}
            onSort={onSort}
          />
        ))}
      </TableRow>
    </TableHead>
  );

  let body;
  if (group.error && !group.loading) {
    body = <ResponseErrorPanel error={group.error} />;
  } else if (!group.value) {
    body = (
      <Table size="small" aria-label="Delivery health by component" aria-busy>
        {head}
        <TableBody>
          {[0, 1, 2].map(index => (
            <TableRow key={index}>
              {[0, ...DELIVERY_HEALTH_FIGURES].map((_, cell) => (
                <TableCell key={cell}>
                  <LoadingBar width="80%" />
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  } else if (group.value.entities.length === 0) {
    body = (
      <Typography>
        {entity.metadata.title ?? entity.metadata.name} owns no components.
      </Typography>
    );
  } else {
    body = (
      <>
        {group.value.truncated && (
          <Box mb={1}>
            <SectionNote
              kind="info"
              message={`Only the first ${group.value.limit} components the group owns are shown, by name: it owns more. deliveryHealth.group.maxEntities in app-config sets how many.`}
            />
          </Box>
        )}
        <Box className={classes.table}>
          <Table
            size="small"
            aria-label="Delivery health by component"
            aria-busy={group.loading}
          >
            {head}
            <TableBody>
              {sorted.map(row => (
                <TableRow key={row.health.entityRef}>
                  <TableCell component="th" scope="row" role="rowheader">
                    <EntityRefLink
                      entityRef={parseEntityRef(row.health.entityRef)}
                      title={row.health.title}
                    />
                  </TableCell>
                  {row.sections.map(section => (
                    <SectionCells key={section.name} section={section} />
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      </>
    );
  }
  return (
    <InfoCard
      title="Delivery health"
      subheader="The components this group owns"
      action={<RefreshButton loading={group.loading} onRefresh={group.retry} />}
    >
      {body}
    </InfoCard>
  );
}
