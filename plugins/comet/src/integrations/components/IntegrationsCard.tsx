import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  WIRING_ANNOTATIONS,
  type WiringAnnotation,
  type WiringResponse,
} from '@internal/plugin-comet-common';
import { useLoader } from '@internal/react-common';
import {
  Box,
  Button,
  Chip,
  Link,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { useState } from 'react';
import { integrationsApiRef } from '../api';
import { EditWiringDialog } from './EditWiringDialog';
import { FIELD_LABELS, messageOf } from './labels';

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString('en-GB', {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'UTC',
      });
}

/** The entity's wiring, where each value comes from, and the editor. */
export function IntegrationsCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(integrationsApiRef);
  const wiring = useLoader(() => api.getWiring(entityRef), [api, entityRef]);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<
    { severity: 'success' | 'error'; text: string; url?: string } | undefined
  >();
  const [removing, setRemoving] = useState(false);

  if (wiring.error) {
    return (
      <InfoCard title="Integrations">
        <Alert severity="error">{messageOf(wiring.error)}</Alert>
      </InfoCard>
    );
  }
  if (!wiring.value) {
    return (
      <InfoCard title="Integrations">
        <Progress />
      </InfoCard>
    );
  }
  const value: WiringResponse = wiring.value;
  const overrideKeys = new Set(Object.keys(value.override?.annotations ?? {}));
  const pending =
    value.override !== undefined &&
    [...overrideKeys].some(
      key => !value.overridden.includes(key as WiringAnnotation),
    );
  const canEdit = value.canOverride || value.mode === 'pull-request';

  const removeOverride = async () => {
    setRemoving(true);
    try {
      await api.removeOverride(entityRef);
      setNotice({
        severity: 'success',
        text: 'Override removed; the catalog shows catalog-info.yaml’s values at its next processing.',
      });
      wiring.retry();
    } catch (error) {
      setNotice({ severity: 'error', text: messageOf(error) });
    } finally {
      setRemoving(false);
    }
  };

  return (
    <InfoCard title="Integrations">
      {notice && (
        <Alert
          severity={notice.severity}
          onClose={() => setNotice(undefined)}
          style={{ marginBottom: 8 }}
        >
          {notice.text}
          {notice.url && (
            <>
              {' '}
              <Link href={notice.url} target="_blank" rel="noopener">
                {notice.url}
              </Link>
            </>
          )}
        </Alert>
      )}
      {value.override && (
        <Box mb={1} display="flex" alignItems="center" flexWrap="wrap">
          <Chip
            size="small"
            color="secondary"
            label={`Portal override by ${
              value.override.updatedBy
            }, ${formatDate(value.override.updatedAt)}`}
          />
          {value.canOverride && (
            <Box ml={1}>
              <Button size="small" onClick={removeOverride} disabled={removing}>
                Remove override
              </Button>
            </Box>
          )}
        </Box>
      )}
      {pending && (
        <Typography variant="body2" color="textSecondary">
          The catalog applies the override at its next processing of this entity
          (within a minute or two).
        </Typography>
      )}
      <Table size="small" aria-label="Wiring">
        <TableBody>
          {WIRING_ANNOTATIONS.map(key => {
            const shown =
              value.override?.annotations[key] ?? value.annotations[key];
            const overridden =
              overrideKeys.has(key) || value.overridden.includes(key);
            return (
              <TableRow key={key}>
                <TableCell component="th" scope="row">
                  {FIELD_LABELS[key]}
                </TableCell>
                <TableCell>
                  {shown ? (
                    <code>{shown}</code>
                  ) : (
                    <Typography variant="body2" color="textSecondary">
                      not set
                    </Typography>
                  )}
                  {overridden && (
                    <Box component="span" ml={1}>
                      <Chip size="small" label="override" />
                    </Box>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Box mt={1} display="flex" alignItems="center">
        {canEdit ? (
          <Button
            variant="outlined"
            color="primary"
            onClick={() => setEditing(true)}
          >
            Edit wiring
          </Button>
        ) : (
          <Typography variant="body2" color="textSecondary">
            Only the entity’s owners can change its wiring.
          </Typography>
        )}
      </Box>
      {value.mode === 'override' && value.modeReason && canEdit && (
        <Typography variant="caption" color="textSecondary" component="p">
          Changes are saved as a portal-side override: {value.modeReason}.
        </Typography>
      )}
      {editing && (
        <EditWiringDialog
          wiring={value}
          onClose={() => setEditing(false)}
          onDone={result => {
            setEditing(false);
            if (result.mode === 'pull-request') {
              setNotice({
                severity: 'success',
                text: 'Pull request opened:',
                url: result.pullRequestUrl,
              });
            } else {
              setNotice({ severity: 'success', text: 'Override saved.' });
              wiring.retry();
            }
          }}
        />
      )}
    </InfoCard>
  );
}
