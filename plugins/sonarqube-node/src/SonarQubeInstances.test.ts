import { ConfigReader } from '@backstage/config';
import { SonarQubeInstances } from './SonarQubeInstances';

function instances(...names: string[]) {
  return SonarQubeInstances.fromConfig(
    new ConfigReader({
      sonarqube: {
        instances: names.map(name => ({
          name,
          baseUrl: `https://${name}.example.com/`,
          apiKey: `token-of-${name}`,
        })),
      },
    }),
  );
}

describe('SonarQubeInstances', () => {
  describe('the default instance (no name given)', () => {
    it('is the one called default, wherever it is in the list', () => {
      expect(instances('cloud', 'default', 'legacy').get().name).toBe(
        'default',
      );
      expect(instances('cloud', 'default').get('').name).toBe('default');
    });

    it('is the only instance, whatever its name', () => {
      expect(instances('cloud').get()).toMatchObject({
        name: 'cloud',
        baseUrl: 'https://cloud.example.com',
        apiKey: 'token-of-cloud',
      });
    });

    it('must be named in the annotation when there are several and none is called default', () => {
      const error = (() => {
        try {
          return instances('cloud', 'legacy').get();
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('InputError');
      expect((error as Error).message).toBe(
        'sonarqube.org/project-key names no SonarQube instance, and sonarqube.instances has several ("cloud", "legacy") with none called "default"; write the instance name in sonarqube.org/project-key',
      );
    });
  });

  it('finds a named instance and names the configured ones for an unknown name', () => {
    expect(instances('cloud', 'legacy').get('legacy').name).toBe('legacy');
    expect(() => instances('cloud', 'legacy').get('sonar')).toThrow(
      expect.objectContaining({
        name: 'NotFoundError',
        message:
          'Unknown SonarQube instance "sonar" (from sonarqube.org/project-key); sonarqube.instances has "cloud", "legacy"',
      }),
    );
  });

  it('says which key turns SonarQube on when nothing is configured', () => {
    const none = SonarQubeInstances.fromConfig(new ConfigReader({}));
    expect(none.configured).toBe(false);
    expect(none.list()).toEqual([]);
    expect(() => none.get()).toThrow(
      expect.objectContaining({
        name: 'NotFoundError',
        message:
          'SonarQube is not configured: add an instance under sonarqube.instances',
      }),
    );
  });

  it('reads the shorthand as the instance called default, beside named ones', () => {
    const both = SonarQubeInstances.fromConfig(
      new ConfigReader({
        sonarqube: {
          baseUrl: 'https://sonar.internal//',
          externalBaseUrl: 'https://sonar.example.com/',
          apiKey: 'shorthand-token',
          tokenKind: 'Bearer',
          webhookSecret: 'hook-secret',
          instances: [
            {
              name: 'cloud',
              baseUrl: 'https://sonarcloud.io',
              apiKey: 'cloud-token',
              organization: 'acme',
            },
          ],
        },
      }),
    );
    expect(both.configured).toBe(true);
    expect(both.get()).toEqual({
      name: 'default',
      baseUrl: 'https://sonar.internal',
      externalBaseUrl: 'https://sonar.example.com',
      apiKey: 'shorthand-token',
      organization: undefined,
      tokenKind: 'Bearer',
      webhookSecret: 'hook-secret',
    });
    expect(both.get('cloud')).toMatchObject({
      tokenKind: 'Basic',
      externalBaseUrl: 'https://sonarcloud.io',
    });
    // What may be shown: no token, no webhook secret
    expect(both.list()).toEqual([
      { name: 'default', externalBaseUrl: 'https://sonar.example.com' },
      {
        name: 'cloud',
        externalBaseUrl: 'https://sonarcloud.io',
        organization: 'acme',
      },
    ]);
    expect(JSON.stringify(both.list())).not.toMatch(/token|secret/);
  });

  it('refuses an instance configured twice and an unknown token kind', () => {
    expect(() => instances('cloud', 'cloud')).toThrow(
      'SonarQube instance "cloud" is configured twice (sonarqube.instances)',
    );
    expect(() =>
      SonarQubeInstances.fromConfig(
        new ConfigReader({
          sonarqube: {
            instances: [
              {
                name: 'cloud',
                baseUrl: 'https://sonarcloud.io',
                apiKey: 'x',
                tokenKind: 'Token',
              },
            ],
          },
        }),
      ),
    ).toThrow(
      'Invalid tokenKind "Token" for SonarQube instance "cloud"; expected Basic or Bearer',
    );
  });
});
