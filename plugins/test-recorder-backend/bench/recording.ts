/*
 * Measure 1 of the test recorder benchmark: input to frame while recording.
 *
 * A real recording session (RecordingSessions: checkout of the example storefront's git
 * repository, its web server and Chromium in the bubblewrap sandbox, CDP screencast) served by
 * the plugin's own WebSocket handler on a loopback HTTP server, and a `ws` client in the
 * portal's place: it sends the messages the portal's LiveView sends (mouse move/down/up with
 * button, clickCount, modifiers and sentAt; printable keys as insertText) and timestamps every
 * message as it arrives, before parsing it.
 *
 * An input's latency is the time from sending it to the arrival of the first frame showing a
 * page image not seen since the previous input took effect. The screencast sends a frame only
 * when the page changes, and Chromium encodes the same pixels to the same JPEG bytes (checked:
 * every hover-on frame is one image, every hover-off frame another), so a frame is "new" when
 * its bytes are. The only other change on these pages is the text caret blinking: the frames
 * seen while settling after a key (650 ms, more than one blink) are known before the next key.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { BubblewrapSandbox } from '@internal/plugin-pipelines-node';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { chromium as playwrightChromium } from 'playwright-core';
import WebSocket from 'ws';
import type { RecordingServerMessage } from '../src/recorder/RecordingSession';
import { RecordingSessions } from '../src/recorder/RecordingSessions';
import { createRecordingSocketHandler } from '../src/recorder/recordingSocket';
import type { RepositoryCheckout } from '../src/runner/RepositoryCheckout';
import {
  ACCOUNT_PASSWORD,
  quietLogger,
  sleep,
  type Suite,
  USER,
} from './common';

const VIEWPORT = { width: 1280, height: 720 };
/** No frame within this long after an input: the input is counted as lost. */
const FRAME_TIMEOUT_MS = 3_000;
/** After a mouse input took effect, before the next: nothing animates on these pages. */
const MOUSE_SETTLE_MS = 250;
/** After a key took effect: longer than the caret's 500 ms blink, so both phases are known. */
const KEY_SETTLE_MS = 650;
/** How long a mouse button is held in a click, after the press took effect. */
const CLICK_HOLD_MS = 80;
/** Mouse moves in a burst, one per animation frame as the portal sends them. */
const BURST_GAP_MS = 16;
/** A burst is over when no frame came for this long. */
const BURST_QUIET_MS = 1_500;

type Point = { x: number; y: number };

type ReceivedFrame = {
  at: number;
  hash: string;
  seq: number;
  inputSentAt?: number;
};

export type RecordingResult = {
  hover: number[];
  clicks: number[];
  keys: number[];
  /** Inputs with no new frame within FRAME_TIMEOUT_MS, by what they were. */
  lost: string[];
  /** Distinct frame images seen for "hover on" and "hover off". */
  hoverImages: { on: number; off: number };
  bursts: {
    count: number;
    /** The live view showed the page's final state once the burst was over. */
    shownFinal: number;
    /** The others, where a fresh frame then showed the page in the final state. */
    confirmedStale: number;
    /** Last input sent to the arrival of the last frame, for bursts whose last frame came after it. */
    lastFrameMs: number[];
  };
  frames: number;
  startMs: number;
};

/** The portal's end of the live view's WebSocket. */
class PortalClient {
  readonly frames: ReceivedFrame[] = [];
  readonly messages: Array<{ at: number; message: RecordingServerMessage }> =
    [];
  readonly #socket: WebSocket;
  readonly #waiters = new Set<() => void>();
  #nextSentAt = Date.now();

  static async connect(url: string, protocol: string): Promise<PortalClient> {
    const socket = new WebSocket(url, [protocol]);
    const client = new PortalClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`WebSocket upgrade refused: ${response.statusCode}`)),
      );
    });
    return client;
  }

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', data => {
      // the arrival time first: parsing a 100 KB frame is part of what comes after
      const at = performance.now();
      const text = String(data);
      const message = JSON.parse(text) as RecordingServerMessage;
      if (message.type === 'frame') {
        this.frames.push({
          at,
          hash: createHash('sha1').update(message.data).digest('hex'),
          seq: message.seq,
          inputSentAt: message.inputSentAt,
        });
      } else {
        this.messages.push({ at, message });
      }
      for (const wake of this.#waiters) wake();
    });
  }

  /** Sends a message as the portal does; returns when it was handed to the socket. */
  send(message: Record<string, unknown>): number {
    const at = performance.now();
    this.#socket.send(JSON.stringify(message));
    return at;
  }

  /** A unique `sentAt`, as the portal's Date.now() would be. */
  nextSentAt(): number {
    this.#nextSentAt = Math.max(this.#nextSentAt + 1, Date.now());
    return this.#nextSentAt;
  }

  #wait<T>(
    find: () => T | undefined,
    timeoutMs: number,
  ): Promise<T | undefined> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const check = () => {
        const match = find();
        if (match === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(match);
      };
      timer = setTimeout(() => {
        this.#waiters.delete(check);
        resolve(undefined);
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** The first frame from index `from` on that `where` accepts. */
  waitForFrame(
    where: (frame: ReceivedFrame) => boolean,
    from: number,
    timeoutMs: number,
  ): Promise<ReceivedFrame | undefined> {
    return this.#wait(() => this.frames.slice(from).find(where), timeoutMs);
  }

  async requireMessage(
    where: (message: RecordingServerMessage) => boolean,
    from: number,
    timeoutMs: number,
    what: string,
  ): Promise<RecordingServerMessage> {
    const found = await this.#wait(
      () => this.messages.slice(from).find(m => where(m.message))?.message,
      timeoutMs,
    );
    if (found) return found;
    throw new Error(
      `recording: no ${what} within ${timeoutMs} ms; messages so far:\n${this.messages
        .map(m => JSON.stringify(m.message).slice(0, 200))
        .join('\n')}`,
    );
  }

  close() {
    this.#socket.close();
  }
}

/**
 * Where the storefront's controls are in the bench's viewport, from the same Chromium on the
 * host: where the search in the sandboxed page starts (see `locate`).
 */
async function controlPositions(
  chromiumPath: string,
  chromiumArgs: string[],
  repository: string,
): Promise<{ addButton: Point; blank: Point; terms: Point; email: Point }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
  const server = spawn(process.execPath, ['src/server.js'], {
    cwd: repository,
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const browser = await playwrightChromium.launch({
    executablePath: chromiumPath,
    args: chromiumArgs,
  });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await page.goto(`${base}/`);
        break;
      } catch (error) {
        if (i > 100) throw error;
        await sleep(100);
      }
    }
    const centre = async (selector: string) => {
      const box = await page.locator(selector).boundingBox();
      if (!box) throw new Error(`recording: ${selector} is not on the page`);
      return {
        x: Math.round(box.x + box.width / 2),
        y: Math.round(box.y + box.height / 2),
      };
    };
    const addButton = await centre('[data-testid="add-MUG-01"]');
    await page.goto(`${base}/checkout`);
    const terms = await centre('[data-testid="accept-terms"]');
    const email = await centre('[data-testid="email"]');
    return {
      addButton,
      // right of the page's 720 px wide main column, level with the button: nothing there
      blank: { x: VIEWPORT.width - 60, y: addButton.y },
      terms,
      email,
    };
  } finally {
    await browser.close();
    server.kill();
  }
}

/** The WebSocket handler of plugin.ts, on a loopback HTTP server; the user's token is the sub-protocol. */
async function serveRecordingSocket(sessions: RecordingSessions) {
  const handler = createRecordingSocketHandler({
    sessions,
    // Token checks are the auth service's; the handler asks it who the principal is
    auth: mockServices.auth(),
    logger: quietLogger(),
  });
  const server = http.createServer();
  server.on('upgrade', (request, socket, head) => {
    const protocol = String(request.headers['sec-websocket-protocol'] ?? '');
    void handler.handler({
      request,
      socket,
      head,
      credentials:
        protocol === 'bench-token'
          ? mockCredentials.user(USER)
          : mockCredentials.none(),
      authProtocol: protocol === 'bench-token' ? protocol : undefined,
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (sessionId: string) =>
      `ws://127.0.0.1:${port}/api/test-recorder/recordings/socket?session=${sessionId}`,
    close: async () => {
      handler.close();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

export async function benchRecording(options: {
  sandbox: BubblewrapSandbox;
  checkout: RepositoryCheckout;
  chromiumPath: string;
  chromiumArgs: string[];
  workDir: string;
  suite: Suite;
  repository: { url: string; dir: string };
  inputsPerKind: number;
  bursts: number;
  /** Prints each input's frames (--verbose). */
  log?: (line: string) => void;
}): Promise<RecordingResult> {
  const { suite, inputsPerKind } = options;
  const at = await controlPositions(
    options.chromiumPath,
    options.chromiumArgs,
    options.repository.dir,
  );
  // plugin.ts's options with the default limits, frame rate and JPEG quality
  const sessions = RecordingSessions.create({
    sandbox: options.sandbox,
    checkout: options.checkout,
    logger: quietLogger(),
    workDir: options.workDir,
    allowedOrigins: [],
    allowedEgress: [],
    testIdAttribute: 'data-testid',
    chromiumPath: options.chromiumPath,
    stepTimeoutMs: 15_000,
  });
  const socketServer = await serveRecordingSocket(sessions);
  let client: PortalClient | undefined;
  try {
    const opened = performance.now();
    // what TestRecorderService.openRecording passes for a new test of the suite
    const { sessionId } = await sessions.open({
      userEntityRef: USER,
      entityRef: suite.entityRef,
      suiteName: suite.name,
      baseUrl: suite.baseUrl,
      webServer: suite.webServer,
      repository: { url: options.repository.url },
      viewport: VIEWPORT,
      secrets: { ACCOUNT_PASSWORD },
    });
    client = await PortalClient.connect(
      socketServer.url(sessionId),
      'bench-token',
    );
    const portal = client;
    await portal.requireMessage(m => m.type === 'ready', 0, 120_000, 'ready');
    await portal.waitForFrame(() => true, 0, 30_000);
    const startMs = performance.now() - opened;
    if (portal.frames.length === 0) throw new Error('recording: no frame');

    const lost: string[] = [];
    /** Frames from this index on show the page since the last input took effect. */
    let settledFrom = 0;

    /**
     * Sends one input and waits for the first frame not seen since the last input took
     * effect; then lets the page settle. Infinity when no such frame came.
     */
    const measure = async (
      message: Record<string, unknown>,
      what: string,
      settleMs: number,
    ): Promise<{ latency: number; frame?: ReceivedFrame }> => {
      const known = new Set(portal.frames.slice(settledFrom).map(f => f.hash));
      const from = portal.frames.length;
      const sent = portal.send(message);
      const frame = await portal.waitForFrame(
        f => !known.has(f.hash),
        from,
        FRAME_TIMEOUT_MS,
      );
      if (!frame) {
        lost.push(what);
        settledFrom = Math.max(0, portal.frames.length - 1);
        return { latency: Infinity };
      }
      settledFrom = portal.frames.indexOf(frame);
      await sleep(settleMs);
      options.log?.(
        `${what}: ${(frame.at - sent).toFixed(
          0,
        )} ms; frames after sending: ${portal.frames
          .slice(from)
          .map(
            f =>
              `${(f.at - sent).toFixed(0)} ms ${f.hash.slice(0, 6)}${
                f.inputSentAt === message.sentAt ? ' (tagged)' : ''
              }`,
          )
          .join(', ')}; known before: ${[...known]
          .map(h => h.slice(0, 6))
          .join(' ')}`,
      );
      return { latency: frame.at - sent, frame };
    };
    const mouse = (action: string, point: Point) => ({
      type: 'mouse',
      action,
      ...point,
      ...(action === 'move' ? {} : { button: 'left', clickCount: 1 }),
      modifiers: [],
      sentAt: portal.nextSentAt(),
    });

    /** The test id the recorder's pick mode finds at a point (the click is swallowed). */
    const pickTestId = async (point: Point) => {
      const from = portal.messages.length;
      portal.send(mouse('down', point));
      portal.send(mouse('up', point));
      const answer = await portal.requireMessage(
        m => m.type === 'picked' || m.type === 'error',
        from,
        15_000,
        `picked element at ${point.x},${point.y}`,
      );
      if (answer.type !== 'picked') return undefined;
      const locator = answer.target.locator;
      return locator.kind === 'testId' ? locator.value : undefined;
    };
    /**
     * Where a control is in the sandboxed page: its fonts are not the host's, so the host's
     * position is only where the search starts. Picks down a column from 60 px above it and
     * returns the middle of the run of points that pick the control.
     */
    const locate = async (hint: Point, testId: string): Promise<Point> => {
      portal.send({ type: 'pick', enabled: true });
      const hits: number[] = [];
      try {
        for (let y = Math.max(0, hint.y - 60); y <= hint.y + 90; y += 3) {
          if ((await pickTestId({ x: hint.x, y })) === testId) {
            hits.push(y);
          } else if (hits.length > 0) {
            break;
          }
        }
      } finally {
        portal.send({ type: 'pick', enabled: false });
      }
      if (hits.length === 0) {
        throw new Error(
          `recording: no element with test id ${testId} in the sandboxed page at x ${
            hint.x
          }, y ${hint.y - 60} to ${hint.y + 90}`,
        );
      }
      return { x: hint.x, y: Math.round((hits[0] + hits.at(-1)!) / 2) };
    };
    const settle = async (ms: number) => {
      await sleep(ms);
      settledFrom = Math.max(0, portal.frames.length - 1);
    };

    // ---- Hover: the add button's hover state on and off
    at.addButton = await locate(at.addButton, 'add-MUG-01');
    at.blank.y = at.addButton.y;
    portal.send(mouse('move', at.blank));
    await settle(500);
    const hover: number[] = [];
    const hoverHashes = { on: new Set<string>(), off: new Set<string>() };
    for (let i = 0; i < inputsPerKind; i++) {
      const on = i % 2 === 0;
      const result = await measure(
        mouse('move', on ? at.addButton : at.blank),
        `hover ${on ? 'on' : 'off'} ${i + 1}`,
        MOUSE_SETTLE_MS,
      );
      hover.push(result.latency);
      if (result.frame) hoverHashes[on ? 'on' : 'off'].add(result.frame.hash);
    }

    // ---- Bursts: moves one animation frame apart across the button, as the portal sends
    // them while the mouse crosses it; the view must end showing where the mouse stopped
    let mouseOn = inputsPerKind % 2 === 1;
    const bursts = {
      count: 0,
      shownFinal: 0,
      confirmedStale: 0,
      lastFrameMs: [] as number[],
    };
    const image = (on: boolean) => [...hoverHashes[on ? 'on' : 'off']][0];
    if (hoverHashes.on.size === 1 && hoverHashes.off.size === 1) {
      for (let b = 0; b < options.bursts; b++) {
        // an odd number of moves: the mouse ends on the other side of where it started
        let last = 0;
        for (let i = 0; i < 9; i++) {
          mouseOn = !mouseOn;
          last = portal.send(mouse('move', mouseOn ? at.addButton : at.blank));
          await sleep(BURST_GAP_MS);
        }
        let count = portal.frames.length;
        for (;;) {
          await sleep(BURST_QUIET_MS);
          if (portal.frames.length === count) break;
          count = portal.frames.length;
        }
        const final = portal.frames.at(-1)!;
        bursts.count += 1;
        if (final.hash === image(mouseOn)) {
          bursts.shownFinal += 1;
          if (final.at > last) bursts.lastFrameMs.push(final.at - last);
        } else {
          // A stale view? A resize to the same size restarts the screencast, which then
          // sends the page as it is: the state the mouse left it in, if the view was stale
          const start = portal.frames.length;
          portal.send({ type: 'resize', ...VIEWPORT });
          const fresh = await portal.waitForFrame(
            () => true,
            start,
            FRAME_TIMEOUT_MS,
          );
          if (fresh?.hash === image(mouseOn)) bursts.confirmedStale += 1;
          await sleep(MOUSE_SETTLE_MS);
        }
      }
      await settle(MOUSE_SETTLE_MS);
    }

    // ---- Clicks: the checkout's terms checkbox, press and release each measured
    let from = portal.messages.length;
    portal.send({ type: 'navigate', url: '/checkout' });
    await portal.requireMessage(
      m => m.type === 'url' && m.url.endsWith('/checkout'),
      from,
      15_000,
      'the checkout page',
    );
    await settle(500);
    at.terms = await locate(at.terms, 'accept-terms');
    at.email = await locate(at.email, 'email');
    await settle(KEY_SETTLE_MS);
    const clicks: number[] = [];
    for (let i = 0; i < Math.ceil(inputsPerKind / 2); i++) {
      const press = await measure(
        mouse('down', at.terms),
        `click ${i + 1} press`,
        CLICK_HOLD_MS,
      );
      const release = await measure(
        mouse('up', at.terms),
        `click ${i + 1} release`,
        MOUSE_SETTLE_MS,
      );
      clicks.push(press.latency, release.latency);
    }

    // ---- Keys: typed into the email field, as the portal sends printable keys
    from = portal.frames.length;
    portal.send(mouse('down', at.email));
    await sleep(CLICK_HOLD_MS);
    portal.send(mouse('up', at.email));
    await portal.waitForFrame(() => true, from, FRAME_TIMEOUT_MS);
    await settle(KEY_SETTLE_MS * 2);
    const keys: number[] = [];
    const text = 'comet.bench.recorder@example.com';
    for (let i = 0; i < inputsPerKind; i++) {
      const result = await measure(
        {
          type: 'key',
          action: 'insertText',
          text: text[i % text.length],
          sentAt: portal.nextSentAt(),
        },
        `key ${i + 1}`,
        KEY_SETTLE_MS,
      );
      keys.push(result.latency);
    }
    return {
      hover,
      clicks,
      keys,
      lost,
      hoverImages: { on: hoverHashes.on.size, off: hoverHashes.off.size },
      bursts,
      frames: portal.frames.length,
      startMs,
    };
  } finally {
    client?.close();
    await sessions.closeAll('bench finished');
    await socketServer.close();
  }
}

export const recordingSettings = {
  viewport: VIEWPORT,
  frameTimeoutMs: FRAME_TIMEOUT_MS,
  burstGapMs: BURST_GAP_MS,
  burstQuietMs: BURST_QUIET_MS,
};
