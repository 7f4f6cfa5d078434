import {
  DependencyList,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';

export type AsyncState<T> = {
  loading: boolean;
  value?: T;
  error?: Error;
  /** Loads again; also while a load is under way (its answer is then ignored). */
  retry: () => void;
};

/**
 * Runs `load` when `deps` change (and on `retry`), keeping the last value while reloading.
 * Only the latest load's answer is kept, so a slow earlier answer never replaces a newer one.
 */
export function useLoader<T>(
  load: () => Promise<T>,
  deps: DependencyList,
): AsyncState<T> {
  const [state, setState] = useState<{
    loading: boolean;
    value?: T;
    error?: Error;
  }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const id = ++latest.current;
    setState(s => ({ ...s, loading: true }));
    load().then(
      value => {
        if (id === latest.current) setState({ loading: false, value });
      },
      error => {
        if (id === latest.current) setState({ loading: false, error });
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  const retry = useCallback(() => setAttempt(a => a + 1), []);
  return { ...state, retry };
}
