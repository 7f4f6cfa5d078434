import { ConfigReader } from '@backstage/config';
import {
  durationSeconds,
  loadPodConfig,
  PIPELINES_PLUGIN_FILE,
  readShutdownDefaults,
  shutdownSeconds,
} from './repoFacts';
import { readRepoFile } from './__testUtils__/cometDeploy';

const PLUGIN = `
  const engine = new PipelineEngine({
    killGraceMs: (pipelinesConfig?.getOptionalNumber('killGracePeriodSeconds') ?? 12) * 1000,
  });
  const executor = LocalExecutor.create({
    killGracePeriodMs:
      (pipelinesConfig?.getOptionalNumber("killGracePeriodSeconds") ??
        12) * 1000,
  });
  lifecycle.addShutdownHook(async () => {
    await engine.stop(
      (pipelinesConfig?.getOptionalNumber('shutdownGraceSeconds') ?? 45) *
        1000,
    );
  });
`;

describe('readShutdownDefaults', () => {
  it("reads the pipelines plugin's defaults from its code", () => {
    const defaults = readShutdownDefaults(readRepoFile(PIPELINES_PLUGIN_FILE)!);
    expect(defaults.shutdownGraceSeconds).toBeGreaterThan(0);
    expect(defaults.killGracePeriodSeconds).toBeGreaterThan(0);
    expect(readShutdownDefaults(PLUGIN)).toEqual({
      shutdownGraceSeconds: 45,
      killGracePeriodSeconds: 12,
    });
  });

  it('fails, naming what changed, when the code reads them differently', () => {
    expect(() =>
      readShutdownDefaults(PLUGIN.replace('engine.stop(', 'engine.halt(')),
    ).toThrow(
      'plugins/pipelines-backend/src/plugin.ts no longer calls engine.stop(...)',
    );
    expect(() =>
      readShutdownDefaults(
        PLUGIN.replace(
          "(pipelinesConfig?.getOptionalNumber('shutdownGraceSeconds') ?? 45) *\n        1000",
          '20_000',
        ),
      ),
    ).toThrow('engine.stop(...) no longer gets pipelines.shutdownGraceSeconds');
    expect(() =>
      readShutdownDefaults(PLUGIN.replace('?? 12)', '?? 15)')),
    ).toThrow(
      "expected one default for pipelines.killGracePeriodSeconds (getOptionalNumber('killGracePeriodSeconds') ?? N), found 15, 12",
    );
    expect(() =>
      readShutdownDefaults(PLUGIN.replace(/\?\? 45/, '?? DEFAULT')),
    ).toThrow('found none');
  });
});

describe('loadPodConfig', () => {
  it('merges files in order and substitutes the environment', () => {
    const { config, references } = loadPodConfig(
      [
        {
          file: 'a.yaml',
          text: 'backend:\n  baseUrl: ${BASE}\n  listen: { port: 7007 }\nlist: [1, 2]\n',
        },
        {
          file: 'b.yaml',
          text: 'backend:\n  listen:\n    port: ${PORT}\n  literal: $${NOT_A_VAR}\nlist: [3]\n',
        },
      ],
      new Map([
        ['BASE', 'https://comet.example.com'],
        ['PORT', '8080'],
      ]),
    );
    expect(config.getString('backend.baseUrl')).toBe(
      'https://comet.example.com',
    );
    expect(config.getNumber('backend.listen.port')).toBe(8080);
    expect(config.getString('backend.literal')).toBe('${NOT_A_VAR}');
    expect(config.get('list')).toEqual([3]);
    expect(references).toEqual([
      { file: 'a.yaml', key: 'backend.baseUrl', variable: 'BASE' },
      { file: 'b.yaml', key: 'backend.listen.port', variable: 'PORT' },
    ]);
  });

  it('names a file that is not a YAML mapping', () => {
    expect(() =>
      loadPodConfig([{ file: 'bad.yaml', text: 'a: [' }], new Map()),
    ).toThrow('bad.yaml is not valid YAML');
    expect(() =>
      loadPodConfig([{ file: 'list.yaml', text: '- a\n- b\n' }], new Map()),
    ).toThrow('list.yaml is not a YAML mapping');
  });
});

describe('shutdownSeconds', () => {
  const defaults = { shutdownGraceSeconds: 20, killGracePeriodSeconds: 10 };

  it('adds the server delay and the engine graces, config over defaults', () => {
    expect(shutdownSeconds(new ConfigReader({}), defaults)).toEqual({
      serverShutdownDelay: 0,
      shutdownGraceSeconds: 20,
      killGracePeriodSeconds: 10,
      total: 30,
    });
    expect(
      shutdownSeconds(
        new ConfigReader({
          backend: { lifecycle: { serverShutdownDelay: '7s' } },
          pipelines: { shutdownGraceSeconds: 40, killGracePeriodSeconds: 5 },
        }),
        defaults,
      ).total,
    ).toBe(52);
  });

  it('reads durations in every form Backstage does', () => {
    const config = new ConfigReader({
      a: { seconds: 5 },
      b: { minutes: 1, seconds: 30 },
      c: 'PT15S',
    });
    expect(durationSeconds(config, 'a')).toBe(5);
    expect(durationSeconds(config, 'b')).toBe(90);
    expect(durationSeconds(config, 'c')).toBe(15);
    expect(durationSeconds(config, 'missing')).toBe(0);
    expect(() =>
      durationSeconds(new ConfigReader({ d: 'soon' }), 'd'),
    ).toThrow();
  });
});
