import { Progress } from '@backstage/core-components';
import {
  useApi,
  useAppNavigate,
  useAppSearchParams,
} from '@backstage/frontend-plugin-api';
import {
  Box,
  Button,
  Chip,
  IconButton,
  MenuItem,
  Paper,
  TextField,
  Typography,
} from '@material-ui/core';
import ArrowBackIcon from '@material-ui/icons/ArrowBack';
import RefreshIcon from '@material-ui/icons/Refresh';
import { Alert, AlertTitle } from '@material-ui/lab';
import type { TestStep } from '@internal/plugin-test-recorder-common';
import { useLoader } from '@internal/react-common';
import { FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { RecordingSession, testRecorderApiRef } from '../api';
import { useTestRecorderLinks } from '../links';
import type {
  PickedElement,
  RecordingClientMessage,
  RecordingServerMessage,
  RecordingSocket,
} from '../recordingMessages';
import { AssertionDialog } from './AssertionDialog';
import { LiveFrame, LiveView } from './LiveView';
import { ProblemAlert } from './ProblemAlert';
import { SaveRecordingDialog } from './SaveRecordingDialog';
import { RecordedStep, ReplayState, StepsPanel } from './StepsPanel';

/** Viewport presets offered while recording. */
export const VIEWPORTS = [
  { label: 'Desktop 1280×720', width: 1280, height: 720 },
  { label: 'Laptop 1440×900', width: 1440, height: 900 },
  { label: 'Tablet 768×1024', width: 768, height: 1024 },
  { label: 'Phone 390×844', width: 390, height: 844 },
];

export type RecorderPageProps = {
  entityRef: string;
  suiteName?: string;
  testId?: string;
};

type Connection = 'idle' | 'starting' | 'connecting' | 'connected' | 'closed';

let stepCounter = 0;
const newStepId = () =>
  `step-${Date.now().toString(36)}-${(stepCounter++).toString(36)}`;

/** The recorder: a live browser on the backend, the steps it records, assertions, save. */
export function RecorderPage(props: RecorderPageProps) {
  const { entityRef, suiteName, testId } = props;
  const api = useApi(testRecorderApiRef);
  const links = useTestRecorderLinks();
  const navigate = useAppNavigate();
  const initial = useLoader(async () => {
    const config = await api.getConfig();
    const suite = suiteName
      ? await api.getSuite(suiteName).catch(() => undefined)
      : undefined;
    return { config, suite };
  }, [api, suiteName]);

  const [baseUrl, setBaseUrl] = useState<string | undefined>();
  const [viewport, setViewport] = useState(VIEWPORTS[0]);
  const [session, setSession] = useState<RecordingSession | undefined>();
  const [connection, setConnection] = useState<Connection>('idle');
  const [frame, setFrame] = useState<LiveFrame | undefined>();
  const [url, setUrl] = useState('');
  const [urlInput, setUrlInput] = useState('');
  const [steps, setSteps] = useState<RecordedStep[] | undefined>();
  const [picking, setPicking] = useState(false);
  const [picked, setPicked] = useState<PickedElement | undefined>();
  const [replay, setReplay] = useState<ReplayState>({});
  const [problems, setProblems] = useState<string[]>([]);
  const [closedReason, setClosedReason] = useState<string | undefined>();
  const [webServer, setWebServer] = useState<string | undefined>();
  const [startError, setStartError] = useState<Error | undefined>();
  const [saving, setSaving] = useState(false);
  const socketRef = useRef<RecordingSocket | undefined>();

  const existingTest = initial.value?.suite?.definition.tests.find(
    t => t.id === testId,
  );
  const recorded: RecordedStep[] =
    steps ?? existingTest?.steps.map(step => ({ step })) ?? [];
  const defaultBaseUrl =
    initial.value?.suite?.definition.baseUrl ??
    initial.value?.config.allowedOrigins[0] ??
    '';
  const effectiveBaseUrl = baseUrl ?? defaultBaseUrl;

  const send = useCallback((message: RecordingClientMessage) => {
    const socket = socketRef.current;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(message));
  }, []);

  const onMessage = useCallback((message: RecordingServerMessage) => {
    switch (message.type) {
      case 'frame':
        setFrame({
          src: `data:image/jpeg;base64,${message.data}`,
          width: message.width,
          height: message.height,
        });
        break;
      case 'ready':
        setUrl(message.url);
        setUrlInput(message.url);
        break;
      case 'url':
        setUrl(message.url);
        setUrlInput(message.url);
        break;
      case 'step':
        setSteps(current => {
          const list = current ?? [];
          const entry = { step: message.step, fragile: message.fragile };
          if (message.replacesStepId) {
            const at = list.findIndex(
              s => s.step.id === message.replacesStepId,
            );
            if (at >= 0) return list.map((s, i) => (i === at ? entry : s));
          }
          return [...list, entry];
        });
        break;
      case 'picked':
        setPicked({
          target: message.target,
          fragile: message.fragile,
          state: message.state,
        });
        break;
      case 'replayed':
        setReplay(r => ({
          ...r,
          [message.index]: { status: message.status, error: message.error },
        }));
        break;
      case 'webServer':
        setWebServer(
          `Web server ${message.status}${
            message.message ? `: ${message.message}` : ''
          }`,
        );
        break;
      case 'error':
        setProblems(p => [...p.slice(-4), message.message]);
        break;
      case 'closed':
        setClosedReason(message.reason);
        setConnection('closed');
        break;
      default:
        break;
    }
  }, []);

  // Leaving the page ends the session: the backend closes its browser
  useEffect(() => {
    if (!session) return undefined;
    let socket: RecordingSocket | undefined;
    let gone = false;
    const listeners = {
      open: () => setConnection('connected'),
      close: (event: { reason?: string }) => {
        setConnection('closed');
        setClosedReason(
          r => r ?? (event?.reason || 'The connection to the recorder closed'),
        );
      },
      error: () =>
        setProblems(p => [...p, 'The connection to the recorder failed']),
      message: (event: { data: string }) => {
        try {
          onMessage(JSON.parse(event.data));
        } catch {
          setProblems(p => [
            ...p,
            'The recorder sent a message that is not JSON',
          ]);
        }
      },
    };
    setConnection('connecting');
    api.openRecordingSocket(session.sessionId).then(
      opened => {
        if (gone) {
          opened.close();
          return;
        }
        socket = opened;
        socketRef.current = opened;
        for (const [type, listener] of Object.entries(listeners)) {
          opened.addEventListener(type as any, listener);
        }
        if (opened.readyState === 1) setConnection('connected');
      },
      e => {
        setStartError(e);
        setConnection('closed');
      },
    );
    return () => {
      gone = true;
      if (socket) {
        for (const [type, listener] of Object.entries(listeners)) {
          socket.removeEventListener(type as any, listener);
        }
        socket.close(1000, 'The user left the recorder');
      }
      socketRef.current = undefined;
      api.stopRecording(session.sessionId).catch(() => undefined);
    };
  }, [api, session, onMessage]);

  const start = async () => {
    setStartError(undefined);
    setConnection('starting');
    setClosedReason(undefined);
    try {
      const started = await api.startRecording({
        entityRef,
        suiteName,
        baseUrl: effectiveBaseUrl || undefined,
        viewport: { width: viewport.width, height: viewport.height },
        testId,
      });
      setSession(started);
    } catch (e) {
      setStartError(e as Error);
      setConnection('idle');
    }
  };

  const resize = (label: string) => {
    const next = VIEWPORTS.find(v => v.label === label) ?? VIEWPORTS[0];
    setViewport(next);
    send({ type: 'resize', width: next.width, height: next.height });
  };

  const togglePick = () => {
    const enabled = !picking;
    setPicking(enabled);
    send({ type: 'pick', enabled });
  };

  const finishPick = () => {
    setPicked(undefined);
    setPicking(false);
    send({ type: 'pick', enabled: false });
  };

  if (!entityRef) {
    return (
      <Box p={3}>
        <Alert severity="error">
          Open the recorder from an entity's Tests tab: the page needs
          ?entityRef=.
        </Alert>
      </Box>
    );
  }
  if (initial.error) {
    return (
      <ProblemAlert error={initial.error} title="The recorder cannot start" />
    );
  }
  if (!initial.value) return <Progress />;
  const { config } = initial.value;
  const connected = connection === 'connected';

  return (
    <Box p={3} display="flex" flexDirection="column" style={{ gap: 16 }}>
      <Box
        display="flex"
        alignItems="center"
        style={{ gap: 16 }}
        flexWrap="wrap"
      >
        <Typography variant="h4" component="h1" style={{ flex: 1 }}>
          Record a test{suiteName ? ` for ${suiteName}` : ''}
        </Typography>
        <Chip label={`Connection: ${connection}`} aria-live="polite" />
        <Button
          variant="contained"
          color="primary"
          disabled={!session || recorded.length === 0}
          onClick={() => setSaving(true)}
        >
          Save
        </Button>
      </Box>
      {!config.sandboxAvailable && (
        <Alert severity="warning">
          {config.sandboxUnavailableReason ??
            'The sandbox is unavailable: recording cannot start.'}
        </Alert>
      )}
      {startError && (
        <ProblemAlert error={startError} title="The recording did not start" />
      )}
      {(problems.length > 0 || closedReason) && (
        <Alert
          severity={closedReason ? 'warning' : 'error'}
          onClose={() => setProblems([])}
        >
          {closedReason && (
            <AlertTitle>Recording ended: {closedReason}</AlertTitle>
          )}
          {problems.map((p, i) => (
            <div key={i}>{p}</div>
          ))}
        </Alert>
      )}
      {webServer && <Alert severity="info">{webServer}</Alert>}
      {!session ? (
        <Paper variant="outlined">
          <Box
            p={2}
            display="flex"
            alignItems="flex-end"
            flexWrap="wrap"
            style={{ gap: 16 }}
          >
            <TextField
              id="RecorderPage-base-url"
              label="Base URL"
              value={effectiveBaseUrl}
              onChange={e => setBaseUrl(e.target.value)}
              helperText={`Allowed: ${
                config.allowedOrigins.join(', ') ||
                'see testRecorder.allowedOrigins'
              }`}
              style={{ minWidth: 360 }}
            />
            <TextField
              id="RecorderPage-viewport"
              select
              label="Viewport"
              value={viewport.label}
              onChange={e =>
                setViewport(VIEWPORTS.find(v => v.label === e.target.value)!)
              }
            >
              {VIEWPORTS.map(v => (
                <MenuItem key={v.label} value={v.label}>
                  {v.label}
                </MenuItem>
              ))}
            </TextField>
            <Button
              variant="contained"
              color="primary"
              onClick={start}
              disabled={connection === 'starting' || !config.sandboxAvailable}
            >
              Start recording
            </Button>
          </Box>
        </Paper>
      ) : (
        <Box
          display="flex"
          style={{ gap: 16 }}
          flexWrap="wrap"
          alignItems="flex-start"
        >
          <Box
            flex="3 1 600px"
            display="flex"
            flexDirection="column"
            style={{ gap: 8 }}
          >
            <Box
              component="form"
              display="flex"
              alignItems="center"
              style={{ gap: 8 }}
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                send({ type: 'navigate', url: urlInput });
              }}
            >
              <IconButton
                aria-label="Back"
                disabled={!connected}
                onClick={() => send({ type: 'back' })}
              >
                <ArrowBackIcon />
              </IconButton>
              <IconButton
                aria-label="Reload"
                disabled={!connected}
                onClick={() => send({ type: 'reload' })}
              >
                <RefreshIcon />
              </IconButton>
              <TextField
                id="RecorderPage-url"
                label="URL"
                size="small"
                value={urlInput}
                onChange={e => setUrlInput(e.target.value)}
                style={{ flex: 1 }}
                inputProps={{ 'data-current-url': url }}
              />
              <Button type="submit" disabled={!connected}>
                Go
              </Button>
              <TextField
                id="RecorderPage-viewport"
                select
                size="small"
                label="Viewport"
                value={viewport.label}
                onChange={e => resize(e.target.value)}
                disabled={!connected}
              >
                {VIEWPORTS.map(v => (
                  <MenuItem key={v.label} value={v.label}>
                    {v.label}
                  </MenuItem>
                ))}
              </TextField>
            </Box>
            <LiveView frame={frame} send={send} />
          </Box>
          <Paper variant="outlined" style={{ flex: '1 1 320px' }}>
            <Box p={2} display="flex" flexDirection="column" style={{ gap: 8 }}>
              <Box display="flex" alignItems="center">
                <Typography variant="h6" style={{ flex: 1 }}>
                  Steps
                </Typography>
                <Button
                  variant={picking ? 'contained' : 'outlined'}
                  color="secondary"
                  aria-pressed={picking}
                  disabled={!connected}
                  onClick={togglePick}
                >
                  Add assertion
                </Button>
              </Box>
              {picking && (
                <Typography variant="body2" color="textSecondary">
                  Click an element in the live view to assert on it.
                </Typography>
              )}
              <StepsPanel
                steps={recorded}
                onChange={setSteps}
                replay={replay}
                canReplay={connected}
                onReplay={index => {
                  setReplay({});
                  send({
                    type: 'replay',
                    steps: recorded.map(r => r.step),
                    toIndex: index,
                  });
                }}
              />
            </Box>
          </Paper>
        </Box>
      )}
      {picked && (
        <AssertionDialog
          picked={picked}
          newStepId={newStepId}
          onCancel={finishPick}
          onAdd={(step: TestStep) => {
            setSteps([...recorded, { step, fragile: picked.fragile }]);
            finishPick();
          }}
        />
      )}
      {saving && session && (
        <SaveRecordingDialog
          entityRef={entityRef}
          sessionId={session.sessionId}
          steps={recorded.map(r => r.step)}
          suiteName={suiteName}
          testId={testId}
          baseUrl={session.baseUrl}
          onCancel={() => setSaving(false)}
          onSaved={suite => navigate(links.suite(suite.name))}
        />
      )}
    </Box>
  );
}

/** The page at `/test-recorder/record?entityRef=…&suite=…&test=…`. */
export function RecorderPageRoute() {
  const [params] = useAppSearchParams();
  return (
    <RecorderPage
      entityRef={params.get('entityRef') ?? ''}
      suiteName={params.get('suite') ?? undefined}
      testId={params.get('test') ?? undefined}
    />
  );
}
