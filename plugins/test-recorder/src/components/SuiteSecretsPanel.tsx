import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Button, Chip, TextField, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  testRecorderSuiteEditPermission,
  TestSuite,
} from '@internal/plugin-test-recorder-common';
import { useState } from 'react';
import { testRecorderApiRef } from '../api';
import { useAllowed } from '../hooks';
import { ProblemAlert } from './ProblemAlert';

export type SuiteSecretsPanelProps = {
  suite: TestSuite;
  onChanged: () => void;
};

type SecretRowProps = {
  suiteName: string;
  secretName: string;
  isSet: boolean;
  mayEdit: boolean;
  onChanged: (message: string) => void;
};

function SecretRow(props: SecretRowProps) {
  const api = useApi(testRecorderApiRef);
  const [value, setValue] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  const act = async (what: 'set' | 'clear') => {
    setBusy(true);
    setError(undefined);
    try {
      if (what === 'set') {
        await api.setSecret(props.suiteName, props.secretName, value);
      } else {
        await api.deleteSecret(props.suiteName, props.secretName);
      }
      // The value leaves the page as soon as it is stored
      setValue('');
      props.onChanged(
        what === 'set'
          ? `Secret ${props.secretName} saved`
          : `Secret ${props.secretName} cleared`,
      );
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="li" py={1}>
      <Box
        display="flex"
        alignItems="center"
        style={{ gap: 16 }}
        flexWrap="wrap"
      >
        <Typography style={{ minWidth: 160 }}>
          <code>{props.secretName}</code>
        </Typography>
        <Chip
          size="small"
          label={props.isSet ? 'set' : 'not set'}
          color={props.isSet ? 'primary' : 'default'}
        />
        {props.mayEdit && (
          <>
            <TextField
              id={`SuiteSecretsPanel-New-value-of-${props.secretName}`}
              type="password"
              size="small"
              autoComplete="new-password"
              label={`New value of ${props.secretName}`}
              value={value}
              onChange={e => setValue(e.target.value)}
            />
            <Button
              variant="outlined"
              disabled={busy || value === ''}
              onClick={() => act('set')}
            >
              Save
            </Button>
            {props.isSet && (
              <Button disabled={busy} onClick={() => act('clear')}>
                Clear
              </Button>
            )}
          </>
        )}
      </Box>
      {error && (
        <ProblemAlert
          error={error}
          title={`Secret ${props.secretName} was not changed`}
        />
      )}
    </Box>
  );
}

/** The secrets the steps refer to: set or not, never their values. */
export function SuiteSecretsPanel(props: SuiteSecretsPanelProps) {
  const { suite } = props;
  const mayEdit = useAllowed(testRecorderSuiteEditPermission, suite.entityRef);
  const [notice, setNotice] = useState<string | undefined>();
  const names = suite.definition.secrets ?? [];
  if (names.length === 0) {
    return (
      <Typography>
        This suite uses no secrets. Passwords typed while recording become
        secrets.
      </Typography>
    );
  }
  return (
    <Box>
      {notice && <Alert severity="success">{notice}</Alert>}
      <Box
        component="ul"
        aria-label="Secrets"
        pl={0}
        style={{ listStyle: 'none' }}
      >
        {names.map(secretName => (
          <SecretRow
            key={secretName}
            suiteName={suite.name}
            secretName={secretName}
            isSet={suite.secretsSet.includes(secretName)}
            mayEdit={mayEdit}
            onChanged={message => {
              setNotice(message);
              props.onChanged();
            }}
          />
        ))}
      </Box>
    </Box>
  );
}
