import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Button, Typography } from '@material-ui/core';
import { useEffect, useRef, useState } from 'react';
import { jenkinsApiRef } from '../api';

export type ConsoleViewProps = {
  entityRef: string;
  job: string;
  number: number;
  /** Called once Jenkins says the console is complete (the build ended). */
  onEnd?: () => void;
};

/** The build's console, streamed live while the build runs; the whole text on demand. */
export function ConsoleView(props: ConsoleViewProps) {
  const { entityRef, job, number, onEnd } = props;
  const api = useApi(jenkinsApiRef);
  const [text, setText] = useState('');
  const [live, setLive] = useState(true);
  const [error, setError] = useState<string>();
  const [whole, setWhole] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  const scrollableTabIndex = 0;
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    const controller = new AbortController();
    setText('');
    setLive(true);
    setError(undefined);
    setWhole(false);
    api
      .streamLog({
        entityRef,
        job,
        number,
        signal: controller.signal,
        onChunk: chunk => {
          if (chunk.text) {
            // Keep the page light: the last 400 KB live; the whole text is a click away.
            setText(t => (t + chunk.text).slice(-400_000));
          }
          if (!chunk.more) setLive(false);
        },
      })
      .then(
        () => {
          setLive(false);
          onEndRef.current?.();
        },
        e => {
          if (!controller.signal.aborted) {
            setLive(false);
            setError(String(e?.message ?? e));
          }
        },
      );
    return () => controller.abort();
  }, [api, entityRef, job, number]);

  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);

  const showWhole = async () => {
    try {
      setText(await api.getConsoleText({ entityRef, job, number }));
      setWhole(true);
    } catch (e) {
      setError(String((e as Error).message));
    }
  };

  return (
    <Box>
      <Box display="flex" alignItems="center" style={{ gap: 8 }} mb={1}>
        <Typography variant="subtitle2" component="h4">
          Console output
        </Typography>
        <Typography variant="caption" role="status">
          {live ? 'Live: following the build' : 'Complete'}
        </Typography>
        <Box flexGrow={1} />
        {!live && !whole && (
          <Button size="small" onClick={showWhole}>
            Show whole log
          </Button>
        )}
      </Box>
      {error && (
        <Typography color="error" role="alert" variant="body2">
          {error}
        </Typography>
      )}
      <pre
        ref={pre}
        aria-label={`Console output of build ${number}`}
        // Focusable so keyboard users can scroll the log.
        tabIndex={scrollableTabIndex}
        style={{
          maxHeight: 360,
          overflow: 'auto',
          background: '#1e1e1e',
          color: '#e0e0e0',
          padding: 12,
          fontSize: 12,
          margin: 0,
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-all',
        }}
      >
        {text || (live ? 'Waiting for output…' : '')}
      </pre>
    </Box>
  );
}
