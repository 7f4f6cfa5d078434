import {
  SONARQUBE_CONFIG_KEY,
  SONARQUBE_METRIC_KEYS,
  SONARQUBE_NOT_CONFIGURED_MESSAGE,
  SONARQUBE_SECURITY_METRIC_KEYS,
  SONARQUBE_SIGNAL_CHANNEL,
} from './types';

describe('SonarQube shared constants', () => {
  it('names the config key to set in the not-configured message', () => {
    expect(SONARQUBE_CONFIG_KEY).toBe('sonarqube.instances');
    expect(SONARQUBE_NOT_CONFIGURED_MESSAGE).toBe(
      'SonarQube is not configured: add an instance under sonarqube.instances (name, baseUrl, apiKey) in app-config to turn it on',
    );
  });

  it('reads the quality gate and every security metric, each once', () => {
    expect(SONARQUBE_METRIC_KEYS).toContain('alert_status');
    expect(new Set(SONARQUBE_METRIC_KEYS).size).toBe(
      SONARQUBE_METRIC_KEYS.length,
    );
    // A security metric missing from the read list would never be fetched, so never hidden
    for (const key of SONARQUBE_SECURITY_METRIC_KEYS) {
      expect(SONARQUBE_METRIC_KEYS).toContain(key);
    }
    expect([...SONARQUBE_SECURITY_METRIC_KEYS].sort()).toEqual([
      'security_hotspots',
      'security_hotspots_reviewed',
      'security_rating',
      'vulnerabilities',
    ]);
  });

  it('announces quality gate changes on one signal channel', () => {
    expect(SONARQUBE_SIGNAL_CHANNEL).toBe('sonarqube:quality-gate');
  });
});
