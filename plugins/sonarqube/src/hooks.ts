import { useSignal } from '@backstage/plugin-signals-react';
import {
  SONARQUBE_SIGNAL_CHANNEL,
  SonarQubeGateSignal,
} from '@internal/plugin-sonarqube-common';
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
  retry: () => void;
};

/** Runs `load` when `deps` change (and on `retry`), keeping the last value while reloading. */
export function useLoader<T>(
  load: () => Promise<T>,
  deps: DependencyList,
): AsyncState<T> {
  const [state, setState] = useState<{
    loading: boolean;
    value?: T;
    error?: Error;
  }>({
    loading: true,
  });
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

/**
 * Calls `onChange` when the backend signals that the quality gate of one of `projectKeys`
 * changed (SonarQube's webhook), so open pages refresh without a reload.
 */
export function useGateChanges(projectKeys: string[], onChange: () => void) {
  const { lastSignal } = useSignal<SonarQubeGateSignal>(
    SONARQUBE_SIGNAL_CHANNEL,
  );
  const keys = projectKeys.join(',');
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    if (lastSignal && keys.split(',').includes(lastSignal.projectKey)) {
      callback.current();
    }
  }, [lastSignal, keys]);
}
