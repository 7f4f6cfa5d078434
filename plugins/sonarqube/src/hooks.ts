import { useSignal } from '@backstage/plugin-signals-react';
import {
  SONARQUBE_SIGNAL_CHANNEL,
  SonarQubeGateSignal,
} from '@internal/plugin-sonarqube-common';
import { useEffect, useRef } from 'react';

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
