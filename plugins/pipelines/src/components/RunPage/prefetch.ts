import type {
  PipelineLogLine,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import type { PipelinesApi } from '../../api/PipelinesApi';

/** The first log page the run page shows, read as soon as it is known which run it is. */
export const FIRST_LOG_PAGE = { after: -1, limit: 1000 } as const;
const FRESH_MS = 2000;

type Prefetch = {
  /** When both answers arrived; undefined while either is on its way. */
  answeredAt?: number;
  run: Promise<PipelineRun>;
  logs: Promise<{ lines: PipelineLogLine[] }>;
  /** The answers themselves once both arrived, for a first render that needs no waiting. */
  value?: { run: PipelineRun; lines: PipelineLogLine[] };
};
/** By API instance (one per app), then run id. */
const byApi = new WeakMap<PipelinesApi, Map<string, Prefetch>>();
function prefetchesOf(api: PipelinesApi) {
  let map = byApi.get(api);
  if (!map) {
    map = new Map();
    byApi.set(api, map);
  }
  return map;
}

/** Still on its way, or answered in the last 2 s. */
function isFresh(entry: Prefetch, now: number) {
  return entry.answeredAt === undefined || now - entry.answeredAt < FRESH_MS;
}

/**
 * Starts reading a run and its first log lines before its page needs them: when the app
 * starts on the run's address (the requests then leave the moment sign-in completes, while
 * the app draws its shell), and while the page renders. Safe to call again: a read on its
 * way or answered in the last 2 s is not repeated. The page's first reads take these answers
 * ({@link takePrefetched}); later reads always go to the backend.
 */
export function prefetchRun(api: PipelinesApi, runId: string) {
  const prefetches = prefetchesOf(api);
  const now = Date.now();
  const current = prefetches.get(runId);
  if (current && isFresh(current, now)) return;
  for (const [key, entry] of prefetches) {
    if (!isFresh(entry, now)) prefetches.delete(key);
  }
  const entry: Prefetch = {
    run: api.getRun(runId),
    logs: api.getLogs(runId, { ...FIRST_LOG_PAGE }),
  };
  Promise.all([entry.run, entry.logs]).then(
    ([run, { lines }]) => {
      entry.answeredAt = Date.now();
      entry.value = { run, lines };
    },
    () => {
      entry.answeredAt = Date.now();
    },
  );
  // A failure reaches whoever takes the answer; nothing is left unhandled meanwhile
  entry.run.catch(() => undefined);
  entry.logs.catch(() => undefined);
  prefetches.set(runId, entry);
}

/** A prefetched read still on its way or answered in the last 2 s, if there is one. */
export function takePrefetched(
  api: PipelinesApi,
  runId: string,
): Prefetch | undefined {
  const entry = byApi.get(api)?.get(runId);
  return entry && isFresh(entry, Date.now()) ? entry : undefined;
}

/**
 * The app's address names a run page: its id, if so. The page's default path is
 * `/pipelines`; under another path the run page simply reads its run when it renders.
 */
export function runIdOfPath(pathname: string): string | undefined {
  const match = /\/pipelines\/runs\/([^/?#]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]) : undefined;
}
