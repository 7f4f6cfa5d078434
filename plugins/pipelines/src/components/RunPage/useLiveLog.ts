import { useApi } from '@backstage/frontend-plugin-api';
import {
  PipelineLogLine,
  PipelineRun,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import { useEffect, useMemo, useRef, useState } from 'react';
import { pipelinesApiRef, StreamState } from '../../api/PipelinesApi';
import { isUnavailable } from '../common/usePolled';
import { LogModel } from './LogModel';
import { FIRST_LOG_PAGE, takePrefetched } from './prefetch';

/**
 * The run's log: a first page at once, then the live stream (Server-Sent Events, resumed
 * after the last line on reconnect). While the run is going and the stream has been silent
 * for a few seconds, the ranges endpoint is polled as well: a proxy or compression layer
 * that buffers the stream then only delays lines instead of hiding them until the end.
 */
export function useLiveLog(
  runId: string,
  live: boolean | undefined,
  firstLines?: PipelineLogLine[],
) {
  const api = useApi(pipelinesApiRef);
  const model = useMemo(() => {
    const created = new LogModel();
    // Lines already at hand show on the first render; the read below adds only newer ones
    if (firstLines) created.append(firstLines);
    return created;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const [version, setVersion] = useState(0);
  const [loading, setLoading] = useState(true);
  const [stream, setStream] = useState<StreamState>({ state: 'connecting' });
  const [streamRun, setStreamRun] = useState<PipelineRun>();
  const frame = useRef<number>();
  const lastLineAt = useRef(Date.now());
  const liveRef = useRef(live);
  liveRef.current = live;

  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    let polling = false;
    const bump = () => {
      lastLineAt.current = Date.now();
      if (frame.current !== undefined) return;
      frame.current = requestAnimationFrame(() => {
        frame.current = undefined;
        setVersion(model.version);
      });
    };
    const poll = setInterval(async () => {
      if (polling || liveRef.current === false) return;
      if (Date.now() - lastLineAt.current < 3000) return;
      polling = true;
      try {
        const { lines } = await api.getLogs(runId, {
          after: model.lastSeq,
          limit: 10_000,
        });
        if (!cancelled && model.append(lines)) bump();
      } catch {
        // the stream's banner reports an unreachable backend
      } finally {
        polling = false;
      }
    }, 2000);
    (async () => {
      const prefetched = takePrefetched(api, runId);
      const runRead = (prefetched?.run ?? api.getRun(runId)).then(
        run => ({ run, error: undefined }),
        (error: Error) => ({ run: undefined, error }),
      );
      try {
        // A first page straight away, so the page shows lines before the rest arrives
        const { lines } = await (prefetched?.logs ??
          api.getLogs(runId, { ...FIRST_LOG_PAGE }));
        if (cancelled) return;
        model.append(lines);
        setVersion(model.version);
        const { run: current } = await runRead;
        if (current && TERMINAL_RUN_STATUSES.includes(current.status)) {
          // A finished run: its log in large pages, no stream to keep open
          for (let page = lines; page.length && !cancelled; ) {
            page = (
              await api.getLogs(runId, { after: model.lastSeq, limit: 10_000 })
            ).lines;
            if (model.append(page)) bump();
            if (page.length < 10_000) break;
          }
          if (!cancelled) {
            setLoading(false);
            setStream({ state: 'ended' });
          }
          return;
        }
      } catch {
        // the stream below retries and reports
      }
      if (cancelled) return;
      setLoading(false);
      const { error } = await runRead;
      if (cancelled) return;
      if (error && !isUnavailable(error)) {
        // No such run, or not ours to read (4xx): there is no log to follow
        clearInterval(poll);
        setStream({ state: 'ended' });
        return;
      }
      stop = api.streamLogs(runId, model.lastSeq, {
        onLines: lines => {
          if (model.append(lines)) bump();
        },
        onRun: run => setStreamRun(run),
        onState: setStream,
      });
    })();
    return () => {
      cancelled = true;
      clearInterval(poll);
      stop?.();
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    };
  }, [api, runId, model]);

  return {
    model,
    version,
    loading: loading && live !== false,
    stream,
    streamRun,
  };
}
