import { useCallback, useEffect, useRef, useState } from 'react';
import { reconnectDelayMs } from '../../api/reconnect';

export type Polled<T> = {
  value?: T;
  /** The last failure; the last good value stays shown meanwhile. */
  error?: Error;
  loading: boolean;
  /** Set while a failed load waits to be retried. */
  retryInMs?: number;
  reload(): void;
};

/** Whether an error is the backend or network being down, worth retrying. */
export function isUnavailable(error?: Error) {
  if (!error) return false;
  const status = (error as { response?: { status?: number } }).response?.status;
  return status === undefined || status >= 500 || status === 429;
}

/**
 * Loads `load()` now and again every `intervalMs` while `keepPolling(value)` says so, and
 * after a failure that may be temporary (network, 5xx) retries with backoff. With an
 * `initialValue` (an answer already at hand), the first render shows it and the first load
 * waits for the interval.
 */
export function usePolled<T>(
  load: () => Promise<T>,
  deps: unknown[],
  options: {
    intervalMs?: number;
    keepPolling?: (value: T) => boolean;
    initialValue?: T;
  } = {},
): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'reload'>>(() =>
    options.initialValue === undefined
      ? { loading: true }
      : { value: options.initialValue, loading: false },
  );
  const initialUnused = useRef(options.initialValue !== undefined);
  const [generation, setGeneration] = useState(0);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const reload = useCallback(() => setGeneration(g => g + 1), []);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const tick = async () => {
      try {
        const value = await load();
        if (cancelled) return;
        failures = 0;
        setState({ value, loading: false });
        const { intervalMs, keepPolling } = optionsRef.current;
        if (intervalMs && (!keepPolling || keepPolling(value))) {
          timer = setTimeout(tick, intervalMs);
        }
      } catch (error) {
        if (cancelled) return;
        if (isUnavailable(error as Error)) {
          failures += 1;
          const retryInMs = reconnectDelayMs(failures);
          setState(s => ({
            value: s.value,
            error: error as Error,
            loading: false,
            retryInMs,
          }));
          timer = setTimeout(tick, retryInMs);
        } else {
          setState(s => ({
            value: s.value,
            error: error as Error,
            loading: false,
          }));
        }
      }
    };
    const initial = initialUnused.current
      ? optionsRef.current.initialValue
      : undefined;
    initialUnused.current = false;
    if (initial === undefined) {
      setState(s => ({ ...s, loading: true }));
      tick();
    } else {
      const { intervalMs, keepPolling } = optionsRef.current;
      if (intervalMs && (!keepPolling || keepPolling(initial))) {
        timer = setTimeout(tick, intervalMs);
      }
    }
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  return { ...state, reload };
}
