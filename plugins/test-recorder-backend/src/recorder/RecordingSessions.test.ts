import { mockServices } from '@backstage/backend-test-utils';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineSandboxService } from '@internal/plugin-pipelines-node';
import type { WorkerRecordJob } from '../browser/protocol';
import type { RepositoryCheckout } from '../runner/RepositoryCheckout';
import {
  FakeSocket,
  FakeWorker,
  ManualClock,
  settle,
} from './__testUtils__/fakes';
import {
  OpenRecordingRequest,
  RecordingSessions,
  RecordingSessionsOptions,
} from './RecordingSessions';

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

const byTestId = (value: string, count = 1) => ({
  locator: { kind: 'testId' as const, value },
  count,
});
const byLabel = (value: string, count = 1) => ({
  locator: { kind: 'label' as const, value },
  count,
});

describe('RecordingSessions', () => {
  let workDir: string;
  let clock: ManualClock;
  let workers: FakeWorker[];
  let jobs: WorkerRecordJob[];
  let checkouts: Array<{ repositoryUrl: string; ref?: string; dir: string }>;

  beforeEach(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-recordings-'));
    clock = new ManualClock();
    workers = [];
    jobs = [];
    checkouts = [];
  });

  afterEach(async () => {
    await fs.rm(workDir, { recursive: true, force: true });
  });

  function create(overrides: Partial<RecordingSessionsOptions> = {}) {
    return RecordingSessions.create({
      sandbox: {} as PipelineSandboxService,
      checkout: {
        checkout: async (options: {
          repositoryUrl: string;
          ref?: string;
          dir: string;
        }) => {
          checkouts.push(options);
          return { commit: 'abc123' };
        },
      } as unknown as RepositoryCheckout,
      logger: mockServices.logger.mock(),
      workDir,
      limits: {
        maxPerUser: 2,
        maxTotal: 3,
        idleTimeoutMs: 60_000,
        detachGraceMs: 5_000,
      },
      allowedOrigins: ['https://shop.example.com'],
      allowedEgress: ['shop.example.com'],
      testIdAttribute: 'data-qa',
      chromiumPath: '/usr/lib/chromium/chromium',
      workerModules: {
        playwrightCore: '/pw',
        pixelmatch: '/pm',
        pngjs: '/png',
      },
      startWorker: ({ job }) => {
        jobs.push(job);
        const worker = new FakeWorker();
        workers.push(worker);
        return worker;
      },
      clock,
      ...overrides,
    });
  }

  const request = (
    overrides: Partial<OpenRecordingRequest> = {},
  ): OpenRecordingRequest => ({
    userEntityRef: ALICE,
    entityRef: 'component:default/shop',
    suiteName: 'checkout',
    baseUrl: 'http://127.0.0.1:3000',
    viewport: { width: 800, height: 600 },
    secrets: { PASSWORD: 'stored-secret-value' },
    ...overrides,
  });

  it('opens a session with a record job and reports when it expires', async () => {
    const sessions = create();
    const { sessionId, expiresAt } = await sessions.open(
      request({ startUrl: '/cart' }),
    );
    expect(expiresAt).toBe(new Date(clock.now() + 60_000).toISOString());
    expect(jobs[0]).toMatchObject({
      mode: 'record',
      baseUrl: 'http://127.0.0.1:3000',
      startUrl: '/cart',
      viewport: { width: 800, height: 600 },
      testIdAttribute: 'data-qa',
      allowedOrigins: ['https://shop.example.com'],
      secrets: { PASSWORD: 'stored-secret-value' },
    });
    expect(jobs[0].repoDir).toBeUndefined();
    expect(sessions.get(sessionId)).toEqual({
      sessionId,
      userEntityRef: ALICE,
      entityRef: 'component:default/shop',
      suiteName: 'checkout',
      baseUrl: 'http://127.0.0.1:3000',
      expiresAt,
    });
    expect(sessions.get('nope')).toBeUndefined();
  });

  it('checks out the repository when the suite starts a web server', async () => {
    const sessions = create();
    const webServer = { command: 'npm start', port: 3000 };
    await expect(sessions.open(request({ webServer }))).rejects.toThrow(
      /no repository to start it from/,
    );
    const { sessionId } = await sessions.open(
      request({
        webServer,
        repository: { url: 'https://git.example.com/shop.git', ref: 'main' },
      }),
    );
    expect(checkouts).toEqual([
      {
        repositoryUrl: 'https://git.example.com/shop.git',
        ref: 'main',
        dir: path.join(workDir, sessionId, 'repo'),
        timeoutMs: 300_000,
      },
    ]);
    expect(jobs[0].repoDir).toBe(path.join(workDir, sessionId, 'repo'));
    expect(jobs[0].webServer).toEqual(webServer);
  });

  it('removes the session directory when starting fails', async () => {
    const sessions = create({
      startWorker: () => {
        throw new Error('sandbox unavailable');
      },
    });
    await expect(sessions.open(request())).rejects.toThrow(
      'sandbox unavailable',
    );
    expect(await fs.readdir(workDir)).toEqual([]);
    // a failed start does not hold a slot
    await expect(sessions.open(request())).rejects.toThrow(
      'sandbox unavailable',
    );
    await expect(sessions.open(request())).rejects.toThrow(
      'sandbox unavailable',
    );
  });

  it('limits sessions per user and in total', async () => {
    const sessions = create();
    await sessions.open(request());
    await sessions.open(request());
    await expect(sessions.open(request())).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('maxPerUser'),
    });
    await sessions.open(request({ userEntityRef: BOB }));
    await expect(
      sessions.open(request({ userEntityRef: 'user:default/carol' })),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('maxTotal'),
    });
  });

  it('lets only the user who opened a session attach', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    expect(() => sessions.attach(sessionId, BOB, new FakeSocket())).toThrow(
      expect.objectContaining({ name: 'NotAllowedError' }),
    );
    expect(() => sessions.attach('missing', ALICE, new FakeSocket())).toThrow(
      expect.objectContaining({ name: 'NotFoundError' }),
    );
    expect(() => sessions.close('missing', 'x')).toThrow(
      /No recording session missing/,
    );
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    workers[0].emit({
      type: 'ready',
      url: 'http://127.0.0.1:3000/',
      viewport: { width: 800, height: 600 },
    });
    await socket.next('ready');
  });

  it('closes a session after the idle timeout, and input postpones it', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    clock.advance(50_000);
    socket.message({ type: 'mouse', action: 'move', x: 1, y: 2 });
    expect(sessions.get(sessionId)?.expiresAt).toBe(
      new Date(clock.now() + 60_000).toISOString(),
    );
    clock.advance(50_000);
    expect(sessions.get(sessionId)).toBeDefined();
    clock.advance(10_000);
    expect(socket.of('closed')).toEqual([
      { type: 'closed', reason: 'closed after 60 s without input' },
    ]);
    expect(socket.closedWith).toEqual({
      code: 1000,
      reason: 'recording closed',
    });
    expect(workers[0].commands.at(-1)).toEqual({ cmd: 'close' });
    expect(sessions.get(sessionId)).toBeUndefined();
    // the slot is free again
    await sessions.open(request());
    await sessions.open(request());
  });

  it('closes the browser a grace period after the socket detaches, unless it comes back', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const first = new FakeSocket();
    sessions.attach(sessionId, ALICE, first);
    first.disconnect();
    clock.advance(4_000);
    const second = new FakeSocket();
    sessions.attach(sessionId, ALICE, second);
    clock.advance(4_000);
    expect(sessions.get(sessionId)).toBeDefined();
    // a third window replaces the second
    const third = new FakeSocket();
    sessions.attach(sessionId, ALICE, third);
    expect(second.closedWith?.code).toBe(4000);
    second.disconnect(); // the replaced socket leaving changes nothing
    clock.advance(5_000);
    expect(sessions.get(sessionId)).toBeDefined();
    third.disconnect();
    clock.advance(5_000);
    expect(sessions.get(sessionId)).toBeUndefined();
    await settle();
    expect(workers[0].commands).toEqual([{ cmd: 'close' }]);
  });

  it('closes a session nobody attaches to', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    clock.advance(5_000);
    expect(sessions.get(sessionId)).toBeUndefined();
  });

  it('turns client messages into worker commands and refuses bad ones', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    socket.message({
      type: 'mouse',
      action: 'down',
      x: 10,
      y: 20,
      button: 'left',
      clickCount: 1,
      sentAt: 5,
    });
    socket.message({ type: 'key', action: 'insertText', text: 'hi' });
    socket.message({ type: 'resize', width: 1024, height: 768 });
    socket.message({ type: 'navigate', url: '/cart' });
    socket.message({ type: 'back' });
    socket.message({ type: 'reload' });
    socket.message({ type: 'pick', enabled: true });
    socket.message({
      type: 'replay',
      steps: [{ id: 'a', action: 'navigate', url: '/' }],
      toIndex: 0,
    });
    expect(workers[0].commands).toEqual([
      {
        cmd: 'mouse',
        action: 'down',
        x: 10,
        y: 20,
        button: 'left',
        clickCount: 1,
        sentAt: 5,
      },
      { cmd: 'key', action: 'insertText', text: 'hi' },
      { cmd: 'resize', width: 1024, height: 768 },
      { cmd: 'navigate', url: '/cart' },
      { cmd: 'back' },
      { cmd: 'reload' },
      { cmd: 'pick', enabled: true },
      {
        cmd: 'replay',
        steps: [{ id: 'a', action: 'navigate', url: '/' }],
        toIndex: 0,
      },
    ]);

    socket.message('not json');
    socket.message({ type: 'mouse', action: 'jump', x: 1, y: 1 });
    socket.message({ type: 'resize', width: 10, height: 600 });
    socket.message({ type: 'teleport' });
    expect(socket.of('error').map(m => m.message)).toEqual([
      'A recorder message must be JSON',
      expect.stringMatching(/^Invalid recorder message \(mouse\): action: /),
      expect.stringMatching(/^Invalid recorder message \(resize\): width: /),
      expect.stringMatching(/^Invalid recorder message \(teleport\)/),
    ]);
    expect(workers[0].commands).toHaveLength(8);

    workers[0].failNext = 'page.goto: net::ERR_BLOCKED_BY_CLIENT';
    socket.message({ type: 'navigate', url: 'https://elsewhere.example.com/' });
    await socket.next('error', {
      where: m => m.message.startsWith('navigate failed'),
    });
    // The worker's reply event for the same command is not reported a second time
    workers[0].emit({
      type: 'reply',
      id: 9,
      ok: false,
      error: 'page.goto: net::ERR_BLOCKED_BY_CLIENT',
    });
    workers[0].emit({ type: 'url', url: 'http://127.0.0.1:3000/' });
    await socket.next('url');
    expect(
      socket
        .of('error')
        .filter(m => m.message.includes('ERR_BLOCKED_BY_CLIENT'))
        .map(m => m.message),
    ).toEqual(['navigate failed: page.goto: net::ERR_BLOCKED_BY_CLIENT']);
  });

  it('delivers the start URL step recorded before the page attaches', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const worker = workers[0];
    worker.emit({
      type: 'ready',
      url: 'http://127.0.0.1:3000/',
      viewport: { width: 800, height: 600 },
    });
    worker.emit({ type: 'action', action: { kind: 'navigate', url: '/' } });
    // Let the session drain the worker's event queue (no socket to wait on yet)
    for (let turn = 0; turn < 10; turn++) {
      await new Promise(resolve => setImmediate(resolve));
    }
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    const types = socket.messages.map(m => m.type);
    expect(types.indexOf('ready')).toBeLessThan(types.indexOf('step'));
    expect(socket.messages.filter(m => m.type === 'step')).toEqual([
      {
        type: 'step',
        step: { id: expect.any(String), action: 'navigate', url: '/' },
      },
    ]);
    // Delivered once: a page that attaches again does not get it twice
    const again = new FakeSocket();
    sessions.attach(sessionId, ALICE, again);
    expect(again.messages.filter(m => m.type === 'step')).toEqual([]);
  });

  it('turns recorded actions into steps with the chosen locator', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    const worker = workers[0];
    worker.emit({ type: 'action', action: { kind: 'navigate', url: '/cart' } });
    worker.emit({
      type: 'action',
      action: { kind: 'click', button: 'left', clickCount: 1, modifiers: [] },
      candidates: [
        {
          locator: { kind: 'role', role: 'button', name: 'Pay now' },
          count: 1,
        },
        byTestId('pay'),
      ],
    });
    worker.emit({
      type: 'action',
      action: {
        kind: 'click',
        button: 'right',
        clickCount: 2,
        modifiers: ['Shift'],
      },
      candidates: [byTestId('pay')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'fill', value: 'a' },
      candidates: [byLabel('Email')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'fill', value: 'ab' },
      candidates: [byLabel('Email')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'press', key: 'Tab' },
      candidates: [byLabel('Email')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'fill', value: 'abc' },
      candidates: [byLabel('Email')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'select', values: ['fr'] },
      candidates: [byLabel('Country')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'check', checked: true },
      candidates: [byLabel('Terms')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'upload', fileNames: ['a.txt'] },
      candidates: [byLabel('File')],
    });
    worker.emit({
      type: 'action',
      action: { kind: 'click', button: 'left', clickCount: 1, modifiers: [] },
      candidates: [
        { locator: { kind: 'css', value: 'div.row > span' }, count: 1 },
      ],
      cssPath: 'div.row > span',
    });
    worker.emit({
      type: 'action',
      action: { kind: 'click', button: 'left', clickCount: 1, modifiers: [] },
      candidates: [],
    });
    await socket.next('error');
    const steps = socket.of('step');
    expect(steps.map(m => m.step)).toEqual([
      { id: expect.any(String), action: 'navigate', url: '/cart' },
      {
        id: expect.any(String),
        action: 'click',
        target: {
          locator: { kind: 'testId', value: 'pay' },
          fallbacks: [{ kind: 'role', role: 'button', name: 'Pay now' }],
          description: 'test id "pay"',
        },
      },
      {
        id: expect.any(String),
        action: 'click',
        target: expect.anything(),
        button: 'right',
        clickCount: 2,
        modifiers: ['Shift'],
      },
      {
        id: expect.any(String),
        action: 'fill',
        target: expect.anything(),
        value: 'a',
      },
      {
        id: expect.any(String),
        action: 'fill',
        target: expect.anything(),
        value: 'ab',
      },
      {
        id: expect.any(String),
        action: 'press',
        target: expect.anything(),
        key: 'Tab',
      },
      {
        id: expect.any(String),
        action: 'fill',
        target: expect.anything(),
        value: 'abc',
      },
      {
        id: expect.any(String),
        action: 'select',
        target: expect.anything(),
        values: ['fr'],
      },
      {
        id: expect.any(String),
        action: 'check',
        target: expect.anything(),
        checked: true,
      },
      {
        id: expect.any(String),
        action: 'upload',
        target: expect.anything(),
        files: ['a.txt'],
      },
      { id: expect.any(String), action: 'click', target: expect.anything() },
    ]);
    // ids are unique; the second fill of the same field replaces the first, but not across a press
    expect(new Set(steps.map(m => m.step.id)).size).toBe(steps.length);
    expect(steps[4].replacesStepId).toBe(steps[3].step.id);
    expect(steps[3].replacesStepId).toBeUndefined();
    expect(steps[6].replacesStepId).toBeUndefined();
    expect(steps[10].fragile).toEqual({
      reason: expect.stringContaining('CSS'),
      suggestion: expect.stringContaining('data-qa="'),
    });
    expect(socket.of('error')[0].message).toMatch(
      /The element of a click could not be located/,
    );
  });

  it('keeps secret values in the session and out of every message', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    workers[0].emit({
      type: 'action',
      action: {
        kind: 'fill',
        value: 'typed-token-value',
        secret: { hint: 'API_TOKEN' },
      },
      candidates: [byLabel('API token')],
    });
    workers[0].emit({
      type: 'error',
      message: 'failed near typed-token-value and stored-secret-value',
    });
    workers[0].emit({
      type: 'webServer',
      status: 'failed',
      message: 'echo typed-token-value',
    });
    workers[0].emit({
      type: 'replayed',
      index: 0,
      status: 'failed',
      error: 'saw typed-token-value',
    });
    await socket.next('replayed');
    expect(socket.of('step')[0].step).toEqual({
      id: expect.any(String),
      action: 'fill',
      target: expect.anything(),
      secret: 'API_TOKEN',
    });
    expect(socket.raw.join('\n')).not.toMatch(
      /typed-token-value|stored-secret-value/,
    );
    expect(socket.of('error')[0].message).toBe('failed near *** and ***');
    expect(socket.of('webServer')[0]).toEqual({
      type: 'webServer',
      status: 'failed',
      message: 'echo ***',
    });
    expect(sessions.pendingSecrets(sessionId)).toEqual({
      API_TOKEN: 'typed-token-value',
    });
  });

  it('forwards picks, frames (dropping them while the socket is backed up) and page events', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const socket = new FakeSocket();
    // frames before anyone is attached go nowhere
    workers[0].emit({
      type: 'frame',
      data: 'AAAA',
      width: 800,
      height: 600,
      seq: 1,
    });
    workers[0].emit({
      type: 'url',
      url: 'http://127.0.0.1:3000/cart',
      title: 'Cart',
    });
    workers[0].emit({
      type: 'ready',
      url: 'http://127.0.0.1:3000/cart',
      viewport: { width: 800, height: 600 },
    });
    await settle();
    sessions.attach(sessionId, ALICE, socket);
    // a late socket learns where the page is and sees it
    expect(socket.messages.map(m => m.type)).toEqual(['ready', 'url', 'frame']);
    expect(socket.of('frame')[0]).toMatchObject({ data: 'AAAA', seq: 1 });
    workers[0].emit({
      type: 'frame',
      data: 'BBBB',
      width: 800,
      height: 600,
      seq: 2,
      inputSentAt: 7,
    });
    await socket.next('frame', { where: m => m.seq === 2 });
    socket.bufferedAmount = 5 * 1024 * 1024;
    workers[0].emit({
      type: 'frame',
      data: 'CCCC',
      width: 800,
      height: 600,
      seq: 3,
    });
    await settle();
    socket.bufferedAmount = 0;
    workers[0].emit({
      type: 'frame',
      data: 'DDDD',
      width: 800,
      height: 600,
      seq: 4,
    });
    await socket.next('frame', { where: m => m.seq === 4 });
    expect(socket.of('frame').map(m => m.seq)).toEqual([1, 2, 4]);
    expect(socket.of('frame')[1]).toEqual({
      type: 'frame',
      data: 'BBBB',
      width: 800,
      height: 600,
      seq: 2,
      inputSentAt: 7,
    });

    workers[0].emit({
      type: 'picked',
      candidates: [
        { locator: { kind: 'text', value: 'Total: 5 €' }, count: 1 },
      ],
      state: { tagName: 'p', text: 'Total: 5 €', visible: true },
    });
    workers[0].emit({
      type: 'picked',
      candidates: [],
      state: { tagName: 'div', visible: true },
    });
    workers[0].emit({ type: 'replayed', index: 0, status: 'passed' });
    workers[0].emit({ type: 'reply', id: 1, ok: true });
    workers[0].emit({ type: 'done' });
    await socket.next('replayed');
    expect(socket.of('picked')).toEqual([
      {
        type: 'picked',
        target: {
          locator: { kind: 'text', value: 'Total: 5 €' },
          description: 'text "Total: 5 €"',
        },
        state: { tagName: 'p', text: 'Total: 5 €', visible: true },
      },
    ]);
    expect(socket.of('error')[0].message).toBe(
      'The picked <div> could not be located: no locator matches it',
    );
  });

  it('closes the session when the browser worker stops by itself', async () => {
    const sessions = create();
    const { sessionId } = await sessions.open(request());
    const socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    workers[0].exit(1, 'Error: boom\n  at stored-secret-value\n');
    const closed = await socket.next('closed');
    expect(closed.reason).toBe(
      'the browser stopped (exit code 1); last output: Error: boom |   at ***',
    );
    expect(sessions.get(sessionId)).toBeUndefined();
    // a socket attaching to a closed session learns why
    const late = new FakeSocket();
    expect(() => sessions.attach(sessionId, ALICE, late)).toThrow(
      /No recording session/,
    );
  });

  it('closes every session on shutdown', async () => {
    const sessions = create();
    const a = await sessions.open(request());
    const b = await sessions.open(request({ userEntityRef: BOB }));
    const socket = new FakeSocket();
    sessions.attach(a.sessionId, ALICE, socket);
    await sessions.closeAll();
    expect(socket.of('closed')).toEqual([
      { type: 'closed', reason: 'the portal is shutting down' },
    ]);
    expect(sessions.get(a.sessionId)).toBeUndefined();
    expect(sessions.get(b.sessionId)).toBeUndefined();
    expect(workers.every(w => w.commands.some(c => c.cmd === 'close'))).toBe(
      true,
    );
  });
});
