import { useApi } from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  testRecorderSuiteEditPermission,
  TestSuite,
  TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import { useLoader } from '@internal/react-common';
import { useState } from 'react';
import { isConflict, testRecorderApiRef } from '../api';
import { useAllowed } from '../hooks';
import { ProblemAlert } from './ProblemAlert';

export type SuiteSettingsPanelProps = {
  suite: TestSuite;
  /** After a save, or when the user asks to reload after a conflict. */
  onSaved: () => void;
};

type Form = {
  baseUrl: string;
  command: string;
  port: string;
  readyUrl: string;
  project: string;
  message: string;
};

function formOf(definition: TestSuiteDefinition): Form {
  return {
    baseUrl: definition.baseUrl,
    command: definition.webServer?.command ?? '',
    port: definition.webServer ? String(definition.webServer.port) : '',
    readyUrl: definition.webServer?.readyUrl ?? '',
    project: definition.project ?? '',
    message: '',
  };
}

/** What is wrong with the form, field by field. */
export function validateSettings(
  form: Form,
): Partial<Record<keyof Form, string>> {
  const errors: Partial<Record<keyof Form, string>> = {};
  if (!/^https?:\/\/[^\s]+$/.test(form.baseUrl.trim())) {
    errors.baseUrl = 'Base URL: an http(s) URL, e.g. http://localhost:3000';
  }
  if (form.command.trim() || form.port.trim()) {
    const port = Number(form.port);
    if (!form.command.trim())
      errors.command = 'Web server command: needed with a port';
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      errors.port = 'Port: a whole number from 1 to 65535';
    }
  }
  if (
    form.readyUrl.trim() &&
    !/^https?:\/\/[^\s]+$/.test(form.readyUrl.trim())
  ) {
    errors.readyUrl = 'Ready URL: an http(s) URL';
  }
  return errors;
}

/** Base URL, web server and device preset; saving makes a new version. */
export function SuiteSettingsPanel(props: SuiteSettingsPanelProps) {
  const { suite } = props;
  const api = useApi(testRecorderApiRef);
  const mayEdit = useAllowed(testRecorderSuiteEditPermission, suite.entityRef);
  const config = useLoader(() => api.getConfig(), [api]);
  const [form, setForm] = useState<Form>(() => formOf(suite.definition));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [conflictVersion, setConflictVersion] = useState<number | undefined>();
  const [saved, setSaved] = useState<number | undefined>();
  const errors = validateSettings(form);
  const field = (name: keyof Form) => ({
    value: form[name],
    onChange: (e: { target: { value: string } }) =>
      setForm(f => ({ ...f, [name]: e.target.value })),
    error: Boolean(errors[name]),
    helperText: errors[name],
    disabled: !mayEdit || busy,
    fullWidth: true,
    margin: 'normal' as const,
  });

  const save = async () => {
    setBusy(true);
    setError(undefined);
    setConflictVersion(undefined);
    const definition: TestSuiteDefinition = {
      ...suite.definition,
      baseUrl: form.baseUrl.trim(),
      project: form.project || undefined,
      webServer: form.command.trim()
        ? {
            ...suite.definition.webServer,
            command: form.command.trim(),
            port: Number(form.port),
            readyUrl: form.readyUrl.trim() || undefined,
          }
        : undefined,
    };
    try {
      const updated = await api.updateSuite(suite.name, {
        definition,
        baseVersion: suite.version,
        message: form.message.trim() || 'Settings changed',
      });
      setSaved(updated.version);
      props.onSaved();
    } catch (e) {
      if (isConflict(e)) {
        // Which version won: the latest one, read again
        const latest = await api.getSuite(suite.name).catch(() => undefined);
        setConflictVersion(latest?.version ?? suite.version + 1);
      } else {
        setError(e as Error);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box maxWidth={640}>
      {!mayEdit && (
        <Typography color="textSecondary">
          You may not change this suite (test-recorder.suite.edit).
        </Typography>
      )}
      {conflictVersion !== undefined && (
        <Alert
          severity="warning"
          action={
            <Button color="inherit" size="small" onClick={props.onSaved}>
              Reload
            </Button>
          }
        >
          Someone saved version {conflictVersion} meanwhile: reload, then make
          your change again.
        </Alert>
      )}
      {saved !== undefined && (
        <Alert severity="success">Saved as version {saved}</Alert>
      )}
      {error && (
        <ProblemAlert error={error} title="The settings were not saved" />
      )}
      <TextField
        id="SuiteSettingsPanel-base-url"
        label="Base URL"
        {...field('baseUrl')}
      />
      <TextField
        id="SuiteSettingsPanel-web-server-command"
        label="Web server command"
        {...field('command')}
      />
      <TextField
        id="SuiteSettingsPanel-web-server-port"
        label="Web server port"
        type="number"
        {...field('port')}
      />
      <TextField
        id="SuiteSettingsPanel-ready-url"
        label="Ready URL"
        {...field('readyUrl')}
      />
      <TextField
        id="SuiteSettingsPanel-device-preset"
        select
        label="Device preset"
        {...field('project')}
      >
        <MenuItem value="">Desktop (default)</MenuItem>
        {(config.value?.devices ?? []).map(name => (
          <MenuItem key={name} value={name}>
            {name}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        id="SuiteSettingsPanel-what-changed-version-message"
        label="What changed (version message)"
        {...field('message')}
      />
      <Button
        variant="contained"
        color="primary"
        disabled={!mayEdit || busy || Object.keys(errors).length > 0}
        onClick={save}
      >
        Save as a new version
      </Button>
    </Box>
  );
}
