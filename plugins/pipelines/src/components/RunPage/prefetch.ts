import type {
  PipelineLogLine,
  PipelineRun,
} from '@internal/plugin-pipelines-common';
import type { PipelinesApi } from '../../api/PipelinesApi';

/** The first log page the run page shows, read as soon as it is known which run it is. */
export const FIRST_LOG_PAGE = { after: -1, limit: 1000 } as const;
const FRESH_MS = 2000;

type Prefetch = {
  at: number;
  run: Promise<PipelineRun>;
  logs: Promise<{ lines: PipelineLogLine[] }>;
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

/**
 * Starts reading a run and its first log lines while its page is still being put on screen.
 * Called while the page renders (so the requests leave before React commits the page, which it
 * may hold back for a moment after a loading indicator) and safe to call again: a run read in
 * the last 2 s is not read again. The page's first reads take these answers
 * ({@link takePrefetched}); later reads always go to the backend.
 */
export function prefetchRun(api: PipelinesApi, runId: string) {
  const prefetches = prefetchesOf(api);
  const now = Date.now();
  const current = prefetches.get(runId);
  if (current && now - current.at < FRESH_MS) return;
  for (const [key, entry] of prefetches) {
    if (now - entry.at >= FRESH_MS) prefetches.delete(key);
  }
  const entry: Prefetch = {
    at: now,
    run: api.getRun(runId),
    logs: api.getLogs(runId, { ...FIRST_LOG_PAGE }),
  };
  // A failure reaches whoever takes the answer; nothing is left unhandled meanwhile
  entry.run.catch(() => undefined);
  entry.logs.catch(() => undefined);
  prefetches.set(runId, entry);
}

/** A prefetched answer no older than 2 s, if there is one. */
export function takePrefetched(
  api: PipelinesApi,
  runId: string,
): Prefetch | undefined {
  const entry = byApi.get(api)?.get(runId);
  return entry && Date.now() - entry.at < FRESH_MS ? entry : undefined;
}
