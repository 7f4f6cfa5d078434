import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { BubblewrapSandbox } from '@internal/plugin-pipelines-node';
import WebSocket from 'ws';
import { findChromium } from '../browser/BrowserWorker';
import type { RepositoryCheckout } from '../runner/RepositoryCheckout';
import { FakeSocket, ManualClock } from './__testUtils__/fakes';
import type { RecordingServerMessage } from './RecordingSession';
import { RecordingSessions } from './RecordingSessions';
import { createRecordingSocketHandler } from './recordingSocket';

const chromium = findChromium();
const canRun = existsSync('/usr/bin/bwrap') && 'path' in chromium;
const describeBrowser = canRun ? describe : describe.skip;

const ALICE = 'user:default/alice';
const PORT = 4174;
const VIEWPORT = { width: 640, height: 480 };
const PASSWORD = 'hunter2-typed-secret';
// Centres of the fixture's controls (src/recorder/__fixtures__/app.js, absolute layout).
const AT = {
  payButton: { x: 120, y: 40 },
  email: { x: 230, y: 100 },
  password: { x: 230, y: 160 },
  box: { x: 120, y: 220 },
  box2: { x: 120, y: 280 },
  status: { x: 120, y: 400 },
  addToCart: { x: 340, y: 220 },
  search: { x: 340, y: 280 },
  secondPageLink: { x: 120, y: 340 },
};

jest.setTimeout(180_000);

/** Width and height from a JPEG's start-of-frame marker. */
function jpegSize(data: Buffer): { width: number; height: number } {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new Error('not a JPEG');
  let offset = 2;
  while (offset < data.length) {
    if (data[offset] !== 0xff) throw new Error(`bad JPEG marker at ${offset}`);
    const marker = data[offset + 1];
    const length = data.readUInt16BE(offset + 2);
    if (
      marker >= 0xc0 &&
      marker <= 0xcf &&
      ![0xc4, 0xc8, 0xcc].includes(marker)
    ) {
      return {
        height: data.readUInt16BE(offset + 5),
        width: data.readUInt16BE(offset + 7),
      };
    }
    offset += 2 + length;
  }
  throw new Error('no JPEG frame header');
}

describeBrowser('RecordingSessions (real bwrap and Chromium)', () => {
  let tmp: string;
  let fixtureRepo: string;
  let sessions: RecordingSessions;
  let sessionId: string;
  let socket: FakeSocket;
  /** Stands in for the backend on the host's loopback: the recording must not reach it. */
  let hostBackend: http.Server;
  let hostBackendUrl: string;
  const hostBackendRequests: string[] = [];

  const click = (point: { x: number; y: number }, target = socket) => {
    target.message({ type: 'mouse', action: 'move', ...point });
    target.message({
      type: 'mouse',
      action: 'down',
      ...point,
      button: 'left',
      clickCount: 1,
    });
    target.message({
      type: 'mouse',
      action: 'up',
      ...point,
      button: 'left',
      clickCount: 1,
      sentAt: 1234,
    });
  };
  const typeAndTab = (text: string) => {
    socket.message({ type: 'key', action: 'insertText', text });
    socket.message({ type: 'key', action: 'press', key: 'Tab' });
  };

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-recorder-'));
    await fs.chmod(tmp, 0o755);
    hostBackend = http.createServer((req, res) => {
      hostBackendRequests.push(`${req.method} ${req.url}`);
      res.writeHead(200, {
        'content-type': 'application/json',
        'access-control-allow-origin': '*',
      });
      res.end('{"items":[]}');
    });
    await new Promise<void>(resolve =>
      hostBackend.listen(0, '127.0.0.1', resolve),
    );
    hostBackendUrl = `http://127.0.0.1:${
      (hostBackend.address() as AddressInfo).port
    }/api/catalog/entities`;
    fixtureRepo = path.join(__dirname, '__fixtures__');
    sessions = RecordingSessions.create({
      sandbox: new BubblewrapSandbox({
        logger: mockServices.logger.mock(),
        protectedPaths: [process.cwd()],
      }),
      // The fixture app stands in for a checked-out repository.
      checkout: {
        checkout: async ({ dir }: { dir: string }) => {
          await fs.mkdir(dir, { recursive: true });
          await fs.copyFile(
            path.join(fixtureRepo, 'app.js'),
            path.join(dir, 'app.js'),
          );
          return { commit: 'fixture' };
        },
      } as unknown as RepositoryCheckout,
      logger: mockServices.logger.mock(),
      workDir: tmp,
      allowedOrigins: [],
      // The sandbox gets the egress proxy, as a backend with testRecorder.allowedEgress does
      allowedEgress: ['allowed.example.test'],
      testIdAttribute: 'data-testid',
      chromiumPath: (chromium as { path: string }).path,
      // Idle and detach timers must not fire while the browser works.
      clock: new ManualClock(),
    });
    ({ sessionId } = await sessions.open({
      userEntityRef: ALICE,
      entityRef: 'component:default/fixture',
      baseUrl: `http://127.0.0.1:${PORT}`,
      webServer: { command: 'node app.js', port: PORT, timeoutMs: 60_000 },
      repository: { url: 'https://git.example.com/fixture.git' },
      viewport: VIEWPORT,
      secrets: {},
    }));
    socket = new FakeSocket();
    sessions.attach(sessionId, ALICE, socket);
    await socket.next('ready', { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await new Promise(resolve => hostBackend?.close(resolve));
    await sessions?.closeAll();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('streams JPEG frames of the viewport', async () => {
    expect(socket.of('webServer').map(m => m.status)).toEqual([
      'starting',
      'ready',
    ]);
    expect(socket.of('ready')[0]).toEqual({
      type: 'ready',
      url: `http://127.0.0.1:${PORT}/`,
      viewport: VIEWPORT,
    });
    const frame = await socket.next('frame');
    expect(frame).toMatchObject({
      width: 640,
      height: 480,
      seq: expect.any(Number),
    });
    expect(jpegSize(Buffer.from(frame.data, 'base64'))).toEqual(VIEWPORT);
  });

  it('records a click on a button with its test id, and echoes the input time', async () => {
    const from = socket.messages.length;
    click(AT.payButton);
    const { step, fragile } = await socket.next('step', { from });
    expect(step).toEqual({
      id: expect.any(String),
      action: 'click',
      target: {
        locator: { kind: 'testId', value: 'pay-button' },
        fallbacks: [
          { kind: 'role', role: 'button', name: 'Pay now' },
          { kind: 'text', value: 'Pay now' },
        ],
        description: 'test id "pay-button"',
      },
    });
    expect(fragile).toBeUndefined();
    await socket.next('frame', { from, where: m => m.inputSentAt === 1234 });
  });

  it('records typing into a labelled field as one fill step', async () => {
    const from = socket.messages.length;
    click(AT.email);
    typeAndTab('buyer@example.com');
    await socket.next('step', { from, where: m => m.step.action === 'press' });
    const steps = socket.messages
      .slice(from)
      .filter(
        (m): m is Extract<RecordingServerMessage, { type: 'step' }> =>
          m.type === 'step',
      );
    expect(steps.map(m => m.step)).toEqual([
      {
        id: expect.any(String),
        action: 'fill',
        target: expect.objectContaining({
          locator: { kind: 'role', role: 'textbox', name: 'Email' },
        }),
        value: 'buyer@example.com',
      },
      expect.objectContaining({ action: 'press', key: 'Tab' }),
    ]);
  });

  it('records a password as a secret step without its value', async () => {
    const from = socket.messages.length;
    click(AT.password);
    typeAndTab(PASSWORD);
    await socket.next('step', { from, where: m => m.step.action === 'press' });
    const { step } = await socket.next('step', {
      from,
      where: m => m.step.action === 'fill',
    });
    expect(step).toEqual({
      id: expect.any(String),
      action: 'fill',
      target: expect.objectContaining({
        locator: { kind: 'role', role: 'textbox', name: 'Password' },
      }),
      secret: 'PASSWORD',
    });
    expect(socket.raw.join('\n')).not.toContain(PASSWORD);
    expect(sessions.pendingSecrets(sessionId)).toEqual({ PASSWORD });
  });

  it('flags an element only CSS can find, suggesting a test id', async () => {
    const from = socket.messages.length;
    click(AT.box);
    const { step, fragile } = await socket.next('step', { from });
    expect(step).toMatchObject({
      action: 'click',
      target: { locator: { kind: 'css', value: 'div.abs.box:nth-of-type(1)' } },
    });
    expect(fragile).toEqual({
      reason:
        'Only a CSS selector identifies this element; it breaks when the markup changes',
      suggestion: 'Add data-testid="element" to this element',
    });
  });

  it('picks elements instead of clicking them while picking', async () => {
    const from = socket.messages.length;
    socket.message({ type: 'pick', enabled: true });
    click(AT.box2);
    const box = await socket.next('picked', { from });
    expect(box.target.locator).toEqual({
      kind: 'css',
      value: 'div.abs.box:nth-of-type(2)',
    });
    expect(box.fragile?.suggestion).toContain('data-testid=');
    expect(box.state).toEqual({ tagName: 'div', visible: true });
    click(AT.status);
    const status = await socket.next('picked', {
      from,
      where: m => m.state.tagName === 'p',
    });
    // the page saw the earlier box click, not the picked one
    expect(status.state).toEqual({
      tagName: 'p',
      text: 'clicked box',
      visible: true,
    });
    expect(status.target.locator).toEqual({
      kind: 'text',
      value: 'clicked box',
    });
    expect(socket.messages.slice(from).some(m => m.type === 'step')).toBe(
      false,
    );
  });

  it('replays steps in a fresh page', async () => {
    const from = socket.messages.length;
    socket.message({
      type: 'replay',
      steps: [
        { id: 'open', action: 'navigate', url: '/' },
        {
          id: 'pay',
          action: 'click',
          target: { locator: { kind: 'testId', value: 'pay-button' } },
        },
        {
          id: 'never',
          action: 'click',
          target: { locator: { kind: 'testId', value: 'nothing' } },
        },
      ],
      toIndex: 1,
    });
    await socket.next('replayed', { from, where: m => m.index === 1 });
    expect(socket.of('replayed').slice(-2)).toEqual([
      { type: 'replayed', index: 0, status: 'passed' },
      { type: 'replayed', index: 1, status: 'passed' },
    ]);
    // still picking in the new page: the status shows the replayed click only
    click(AT.status);
    const status = await socket.next('picked', { from });
    expect(status.state.text).toBe('clicked pay');
    socket.message({ type: 'pick', enabled: false });
  });

  it('names a button by what it said when pressed, not after the click changed it', async () => {
    const from = socket.messages.length;
    click(AT.addToCart);
    const { step, fragile } = await socket.next('step', { from });
    expect(step).toMatchObject({ action: 'click' });
    expect('target' in step && step.target).toEqual({
      locator: { kind: 'role', role: 'button', name: 'Add to cart' },
      fallbacks: [
        { kind: 'text', value: 'Add to cart' },
        { kind: 'css', value: 'button.abs:nth-of-type(2)' },
      ],
      description: 'button "Add to cart"',
    });
    expect(fragile).toBeUndefined();
  });

  it('names a field by its placeholder as it was when Enter was pressed', async () => {
    const from = socket.messages.length;
    click(AT.search);
    socket.message({ type: 'key', action: 'insertText', text: 'shoes' });
    socket.message({ type: 'key', action: 'press', key: 'Enter' });
    const { step } = await socket.next('step', {
      from,
      where: m => m.step.action === 'press',
    });
    expect(step).toMatchObject({
      action: 'press',
      key: 'Enter',
      target: { locator: { kind: 'placeholder', value: 'Search' } },
    });
  });

  it('names a link by the page it was clicked on, not the page it opened', async () => {
    const from = socket.messages.length;
    click(AT.secondPageLink);
    const { step } = await socket.next('step', { from });
    expect(step).toMatchObject({
      action: 'click',
      target: {
        locator: { kind: 'role', role: 'link', name: 'Second page' },
      },
    });
    await socket.next('url', { from, where: m => m.url.endsWith('/second') });
  });

  it('records navigation and reports the new URL', async () => {
    const from = socket.messages.length;
    socket.message({ type: 'navigate', url: '/second' });
    const { step } = await socket.next('step', { from });
    expect(step).toEqual({
      id: expect.any(String),
      action: 'navigate',
      url: '/second',
    });
    const url = await socket.next('url', {
      from,
      where: m => m.url.endsWith('/second'),
    });
    expect(url).toEqual({
      type: 'url',
      url: `http://127.0.0.1:${PORT}/second`,
      title: 'Second',
    });
  });

  it('cannot reach the metadata address nor the backend on the host, by navigation or from the page', async () => {
    const metadataUrl = 'http://169.254.169.254/latest/meta-data/';
    const start = socket.messages.length;
    let from = start;
    socket.message({ type: 'navigate', url: metadataUrl });
    expect((await socket.next('error', { from })).message).toBe(
      `navigate failed: blocked request to ${metadataUrl}: its origin is not in testRecorder.allowedOrigins`,
    );

    from = socket.messages.length;
    socket.message({ type: 'navigate', url: hostBackendUrl });
    expect((await socket.next('error', { from })).message).toBe(
      `navigate failed: could not open ${hostBackendUrl}: net::ERR_CONNECTION_REFUSED (nothing listens on ${
        new URL(hostBackendUrl).host
      } inside the sandbox, whose loopback is its own: services on the host, Comet's backend among them, are out of reach)`,
    );

    // The page's own requests fail the same way
    from = socket.messages.length;
    const fetchUrl = `/fetch?${new URLSearchParams([
      ['url', metadataUrl],
      ['url', hostBackendUrl],
    ])}`;
    const steps = [
      { id: 'open', action: 'navigate', url: fetchUrl },
      ...[0, 1].map(index => ({
        id: `fetch-${index}`,
        action: 'assertText',
        target: { locator: { kind: 'testId', value: `fetch-${index}` } },
        text: 'refused: ',
        match: 'contains',
      })),
    ];
    socket.message({ type: 'replay', steps, toIndex: 2 });
    await socket.next('replayed', { from, where: m => m.index === 2 });
    expect(
      socket
        .of('replayed')
        .slice(-3)
        .map(m => [m.index, m.status, m.error]),
    ).toEqual([
      [0, 'passed', undefined],
      [1, 'passed', undefined],
      [2, 'passed', undefined],
    ]);

    // one error each, nothing else went wrong
    expect(
      socket.messages
        .slice(start)
        .filter(m => m.type === 'error')
        .map(m => (m as { message: string }).message),
    ).toEqual([
      expect.stringMatching(
        /^navigate failed: blocked request to http:\/\/169/,
      ),
      expect.stringMatching(/^navigate failed: could not open http:\/\/127/),
    ]);
    expect(hostBackendRequests).toEqual([]);
    // while the stand-in backend answers on the host all along
    expect((await fetch(hostBackendUrl)).status).toBe(200);
    expect(hostBackendRequests).toEqual(['GET /api/catalog/entities']);
  });

  it('serves the session over a real WebSocket to its user only', async () => {
    const handler = createRecordingSocketHandler({
      sessions,
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
    });
    expect(handler.path).toBe('/recordings/socket');
    const server = http.createServer();
    const users: Record<string, string> = {
      alice: ALICE,
      bob: 'user:default/bob',
    };
    server.on('upgrade', (request, rawSocket, head) => {
      const protocol = String(request.headers['sec-websocket-protocol'] ?? '');
      const user = users[protocol];
      void handler.handler({
        request,
        socket: rawSocket,
        head,
        credentials: user ? mockCredentials.user(user) : mockCredentials.none(),
        authProtocol: user ? protocol : undefined,
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = (id: string) =>
      `ws://127.0.0.1:${port}/recordings/socket?session=${id}`;
    const refused = (id: string, protocol?: string) =>
      new Promise<number>((resolve, reject) => {
        const client = new WebSocket(url(id), protocol ? [protocol] : []);
        client.on('unexpected-response', (_req, res) =>
          resolve(res.statusCode ?? 0),
        );
        client.on('open', () => reject(new Error('the upgrade was accepted')));
        client.on('error', () => undefined);
      });
    try {
      expect(await refused(sessionId)).toBe(401);
      expect(await refused(sessionId, 'bob')).toBe(403);
      expect(await refused('no-such-session', 'alice')).toBe(404);
      expect(await refused('', 'alice')).toBe(400);

      const client = new WebSocket(url(sessionId), ['alice']);
      const received: RecordingServerMessage[] = [];
      const waiters: Array<() => void> = [];
      client.on('message', data => {
        received.push(JSON.parse(String(data)));
        waiters.forEach(wake => wake());
      });
      const next = (predicate: (m: RecordingServerMessage) => boolean) =>
        new Promise<RecordingServerMessage>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('no such message within 30 s')),
            30_000,
          );
          const check = () => {
            const found = received.find(predicate);
            if (found) {
              clearTimeout(timer);
              resolve(found);
            }
          };
          waiters.push(check);
          check();
        });
      await new Promise(resolve => client.on('open', resolve));
      expect(client.protocol).toBe('alice');
      // the fake socket was replaced by this one
      expect(socket.closedWith?.code).toBe(4000);
      await next(m => m.type === 'ready');
      const frame = await next(m => m.type === 'frame');
      expect(
        jpegSize(Buffer.from((frame as { data: string }).data, 'base64')),
      ).toEqual(VIEWPORT);
      client.send(JSON.stringify({ type: 'navigate', url: '/' }));
      client.send(
        JSON.stringify({ type: 'mouse', action: 'down', ...AT.payButton }),
      );
      client.send(
        JSON.stringify({ type: 'mouse', action: 'up', ...AT.payButton }),
      );
      const step = await next(
        m => m.type === 'step' && m.step.action === 'click',
      );
      expect(step).toMatchObject({
        step: { target: { locator: { kind: 'testId', value: 'pay-button' } } },
      });
      client.send('{"type":"mouse"}');
      await next(m => m.type === 'error');

      const closed = new Promise(resolve => client.on('close', resolve));
      sessions.close(sessionId, 'done recording');
      await closed;
      expect(received.at(-1)).toEqual({
        type: 'closed',
        reason: 'done recording',
      });
    } finally {
      handler.close();
      server.close();
    }
  });
});
