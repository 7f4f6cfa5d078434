import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import path from 'node:path';
import { readTestRecorderConfig, traceViewerDir } from './config';

const read = (testRecorder: object) =>
  readTestRecorderConfig(new ConfigReader({ testRecorder }));

describe('readTestRecorderConfig', () => {
  it('has defaults for every key', () => {
    const settings = readTestRecorderConfig(new ConfigReader({}));
    expect(settings).toMatchObject({
      dataDir: path.resolve(process.cwd(), '.data', 'test-recorder'),
      allowedOrigins: [],
      allowedEgress: [],
      testIdAttribute: 'data-testid',
      maxConcurrentRuns: 2,
      runTimeoutMs: 30 * 60_000,
      stepTimeoutMs: 15_000,
      retentionDays: 30,
      chromiumPath: undefined,
      ffmpegPath: undefined,
      worker: true,
      seedSuites: [],
      recording: {
        maxPerUser: undefined,
        maxTotal: undefined,
        idleTimeoutMs: undefined,
      },
    });
    expect(settings.configSecrets('storefront-checkout')).toEqual({});
    expect(settings.devices).toContain('Desktop Chrome');
    expect(settings.devices).toEqual([...settings.devices].sort());
    expect(settings.traceViewerDir).toMatch(
      /playwright-core[/\\]lib[/\\]vite[/\\]traceViewer$/,
    );
  });

  it('reads every key', () => {
    const settings = read({
      dataDir: '/var/lib/comet/test-recorder',
      allowedOrigins: [
        'https://shop.example.com/cart',
        'http://plain.example.com',
        'http://staging.example.com:8080',
      ],
      testIdAttribute: 'data-qa',
      maxConcurrentRuns: 4,
      runTimeoutMinutes: 5,
      stepTimeoutMs: 2000,
      retentionDays: 7,
      chromiumPath: '/opt/chromium',
      ffmpegPath: '/opt/ffmpeg',
      worker: { enabled: false },
      seedSuites: ['suites/a.json'],
      suites: {
        'storefront-checkout': {
          secrets: { ACCOUNT_PASSWORD: 'pw', API_KEY: 'key' },
        },
        'no-secrets': {},
      },
      recording: { maxPerUser: 1, maxTotal: 3, idleTimeoutMinutes: 2 },
    });
    expect(settings).toMatchObject({
      dataDir: '/var/lib/comet/test-recorder',
      allowedOrigins: [
        'https://shop.example.com',
        'http://plain.example.com',
        'http://staging.example.com:8080',
      ],
      allowedEgress: [
        'shop.example.com:443',
        'plain.example.com:80',
        'staging.example.com:8080',
      ],
      testIdAttribute: 'data-qa',
      maxConcurrentRuns: 4,
      runTimeoutMs: 5 * 60_000,
      stepTimeoutMs: 2000,
      retentionDays: 7,
      chromiumPath: '/opt/chromium',
      ffmpegPath: '/opt/ffmpeg',
      worker: false,
      seedSuites: ['suites/a.json'],
      recording: { maxPerUser: 1, maxTotal: 3, idleTimeoutMs: 2 * 60_000 },
    });
    const secrets = settings.configSecrets('storefront-checkout');
    expect(secrets).toEqual({ ACCOUNT_PASSWORD: 'pw', API_KEY: 'key' });
    // a copy: a caller cannot change what the next one reads
    secrets.ACCOUNT_PASSWORD = 'changed';
    expect(settings.configSecrets('storefront-checkout').ACCOUNT_PASSWORD).toBe(
      'pw',
    );
    expect(settings.configSecrets('no-secrets')).toEqual({});
    expect(settings.configSecrets('unknown')).toEqual({});
  });

  it.each([
    [
      { maxConcurrentRuns: 0 },
      'testRecorder.maxConcurrentRuns: 0 must be a whole number above 0 and at most 64',
    ],
    [
      { maxConcurrentRuns: 1.5 },
      'testRecorder.maxConcurrentRuns: 1.5 must be a whole number above 0 and at most 64',
    ],
    [
      { runTimeoutMinutes: 100000 },
      'testRecorder.runTimeoutMinutes: 100000 must be a number above 0 and at most 1440',
    ],
    [
      { stepTimeoutMs: -1 },
      'testRecorder.stepTimeoutMs: -1 must be a number above 0 and at most 600000',
    ],
    [{ retentionDays: 'soon' }, 'testRecorder.retentionDays'],
    [
      { recording: { maxPerUser: 0 } },
      'testRecorder.recording.maxPerUser: 0 must be a whole number above 0 and at most 100',
    ],
    [
      { recording: { maxTotal: 2.5 } },
      'testRecorder.recording.maxTotal: 2.5 must be a whole number above 0 and at most 1000',
    ],
    [
      { recording: { idleTimeoutMinutes: -3 } },
      'testRecorder.recording.idleTimeoutMinutes: -3 must be a number above 0 and at most 1440',
    ],
    [
      { testIdAttribute: 'data test id' },
      'testRecorder.testIdAttribute: "data test id" is not an attribute name such as data-testid',
    ],
    [
      { allowedOrigins: ['shop.example.com'] },
      'testRecorder.allowedOrigins[0]: "shop.example.com" is not a URL',
    ],
    [
      { suites: { Checkout: { secrets: { A: 'x' } } } },
      'testRecorder.suites.Checkout: "Checkout" is not a suite name',
    ],
    [
      { suites: { checkout: { secrets: { password: 'x' } } } },
      'testRecorder.suites.checkout.secrets.password: secret names are upper case',
    ],
    [
      { suites: { checkout: { secrets: { PASSWORD: 42 } } } },
      'testRecorder.suites.checkout.secrets.PASSWORD',
    ],
  ])('refuses %j naming the key', (testRecorder, message) => {
    expect(() => read(testRecorder)).toThrow(message);
  });
});

describe('traceViewerDir', () => {
  afterEach(() => jest.restoreAllMocks());

  it("finds Playwright's Trace Viewer build, or says there is none", () => {
    const dir = traceViewerDir()!;
    expect(fs.existsSync(path.join(dir, 'index.html'))).toBe(true);
    jest.spyOn(fs, 'existsSync').mockReturnValue(false);
    expect(traceViewerDir()).toBeUndefined();
  });
});
