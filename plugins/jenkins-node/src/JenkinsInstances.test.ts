import { ConfigReader } from '@backstage/config';
import {
  readJenkinsInstances,
  selectJenkinsInstance,
} from './JenkinsInstances';

const instance = (name: string) => ({
  name,
  baseUrl: `https://${name}.jenkins.example.com`,
  username: 'comet',
  apiKey: `${name}-token`,
});

describe('readJenkinsInstances', () => {
  it('reads jenkins.instances and the shorthand, the instance default', () => {
    const instances = readJenkinsInstances(
      new ConfigReader({
        jenkins: {
          baseUrl: 'https://jenkins.example.com/ci/',
          username: 'comet',
          apiKey: 'shorthand-token',
          instances: [{ ...instance('legacy'), projectCountLimit: 10 }],
        },
      }),
    );
    expect(
      instances.map(i => [i.name, i.baseUrl, i.projectCountLimit]),
    ).toEqual([
      ['legacy', 'https://legacy.jenkins.example.com', 10],
      ['default', 'https://jenkins.example.com/ci', 50],
    ]);
  });

  it('refuses two instances with one name', () => {
    expect(() =>
      readJenkinsInstances(
        new ConfigReader({
          jenkins: { instances: [instance('ci'), instance('ci')] },
        }),
      ),
    ).toThrow('jenkins.instances has two instances named "ci"');
  });

  it.each([
    ['not a url', 'jenkins.instances[0].baseUrl "not a url" is not a URL'],
    [
      'ftp://jenkins.example.com',
      'jenkins.instances[0].baseUrl must be an http(s) URL without credentials',
    ],
    [
      'https://comet:secret@jenkins.example.com',
      'jenkins.instances[0].baseUrl must be an http(s) URL without credentials',
    ],
  ])('refuses the baseUrl %p', (baseUrl, message) => {
    expect(() =>
      readJenkinsInstances(
        new ConfigReader({
          jenkins: { instances: [{ ...instance('ci'), baseUrl }] },
        }),
      ),
    ).toThrow(message);
  });

  it('reads extra request headers, the override regex and crumbIssuer', () => {
    const [ci] = readJenkinsInstances(
      new ConfigReader({
        jenkins: {
          instances: [
            {
              ...instance('ci'),
              extraRequestHeaders: { 'X-Proxy-Auth': 'proxy-token' },
              allowedBaseUrlOverrideRegex: 'https://ci-[a-z]+\\.example\\.com',
              crumbIssuer: false,
            },
          ],
        },
      }),
    );
    expect(ci.extraRequestHeaders).toEqual({ 'X-Proxy-Auth': 'proxy-token' });
    expect(ci.crumbIssuer).toBe(false);
    // Anchored: the whole URL must match, not a part of it.
    expect(ci.allowedBaseUrlOverride!.test('https://ci-eu.example.com')).toBe(
      true,
    );
    expect(
      ci.allowedBaseUrlOverride!.test('https://ci-eu.example.com.evil.test'),
    ).toBe(false);
  });

  it('refuses the shorthand and an instance named default together', () => {
    expect(() =>
      readJenkinsInstances(
        new ConfigReader({
          jenkins: {
            baseUrl: 'https://jenkins.example.com',
            username: 'comet',
            apiKey: 'shorthand-token',
            instances: [instance('default')],
          },
        }),
      ),
    ).toThrow(
      'jenkins.baseUrl (the shorthand for the instance "default") and an instance named "default" in jenkins.instances are both set; keep one',
    );
  });
});

describe('selectJenkinsInstance', () => {
  const read = (names: string[]) =>
    readJenkinsInstances(
      new ConfigReader({ jenkins: { instances: names.map(instance) } }),
    );

  it('without a name, takes the instance named default, else the only one', () => {
    expect(
      selectJenkinsInstance(read(['legacy', 'default']), undefined).name,
    ).toBe('default');
    expect(selectJenkinsInstance(read(['ci']), undefined).name).toBe('ci');
  });

  it('takes a named instance, whatever the default', () => {
    expect(
      selectJenkinsInstance(read(['default', 'legacy']), 'legacy').name,
    ).toBe('legacy');
  });

  it('asks for a name in the annotation when several have none called default', () => {
    expect(() =>
      selectJenkinsInstance(read(['ci', 'legacy']), undefined),
    ).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringContaining(
          'jenkins.io/job-full-name names no Jenkins instance, and jenkins.instances has several ("ci", "legacy")',
        ),
      }),
    );
  });

  it('says which instances exist when the name is unknown', () => {
    expect(() => selectJenkinsInstance(read(['ci']), 'nowhere')).toThrow(
      'Unknown Jenkins instance "nowhere" (from jenkins.io/job-full-name); jenkins.instances has "ci"',
    );
  });
});
