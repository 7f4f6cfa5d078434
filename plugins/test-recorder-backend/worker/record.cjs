// @ts-check
'use strict';
/**
 * Record mode of the browser worker: one page the user drives from the portal. Frames go out
 * as a CDP screencast; input comes in as commands; what the user does on the page is seen by
 * capture.js and reported here, where each candidate locator is counted in the live page.
 */
const shared = require('./shared.cjs');
const cometRecorderCapture = require('./capture.js');

/** @typedef {import('../src/browser/protocol').WorkerRecordJob} WorkerRecordJob */
/** @typedef {import('../src/browser/protocol').WorkerEvent} WorkerEvent */
/** @typedef {import('../src/browser/protocol').WorkerCommand} WorkerCommand */
/** @typedef {import('../src/browser/protocol').LocatorCandidate} LocatorCandidate */
/** @typedef {import('@internal/plugin-test-recorder-common').TestLocator} TestLocator */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Frame} Frame */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */

const BINDING_NAME = '__cometRecorderCapture';
const PICK_EVENT_NAME = '__cometRecorderPick';
const MARKER_ATTRIBUTE = 'data-comet-recorder-marker';
const PENDING_NAME = '__cometRecorderPending';
/** Keys whose press capture.js reports as a step. */
const RECORDED_KEYS = new Set(['Enter', 'Escape', 'Tab']);
/** How long an input waits for the count of what it presses before it goes on anyway. */
const PREPARE_TIMEOUT_MS = 2000;

/**
 * A locator for `locator` in `frame`, without `nth`.
 * @param {Frame} frame
 * @param {TestLocator} locator
 */
function frameLocator(frame, locator) {
  // shared.toLocator takes a page, but only calls the getBy* methods frames have too.
  return shared.toLocator(/** @type {any} */ (frame), {
    ...locator,
    nth: undefined,
  });
}

/**
 * Counts each candidate in the frame; for a candidate matching several elements, `nth` is the
 * element's index among them. Role, placeholder, label and text are first tried as Playwright
 * matches them by default (substring), and made exact when that is not unique.
 * @param {Frame} frame
 * @param {TestLocator[]} candidates
 * @param {string} marker the value of MARKER_ATTRIBUTE on the element the user acted on
 * @returns {Promise<LocatorCandidate[]>}
 */
async function countCandidates(frame, candidates, marker) {
  /** @type {LocatorCandidate[]} */
  const counted = [];
  for (const candidate of candidates) {
    /** @type {TestLocator[]} */
    const variants = [candidate];
    if (
      'exact' in candidate ||
      (candidate.kind !== 'testId' && candidate.kind !== 'css')
    ) {
      if (candidate.kind !== 'role' || candidate.name !== undefined) {
        variants.push(
          /** @type {TestLocator} */ ({ ...candidate, exact: true }),
        );
      }
    }
    /** @type {LocatorCandidate | undefined} */
    let best;
    for (const variant of variants) {
      const locator = frameLocator(frame, variant);
      let count;
      try {
        count = await locator.count();
      } catch {
        continue;
      }
      if (count === 0) continue;
      /** @type {LocatorCandidate} */
      let entry = { locator: variant, count };
      if (count > 1) {
        const index = await locator
          .evaluateAll(
            (elements, [attribute, value]) =>
              elements.findIndex(el => el.getAttribute(attribute) === value),
            [MARKER_ATTRIBUTE, marker],
          )
          .catch(() => -1);
        // Not the element the user acted on: the locator describes something else.
        if (index < 0) continue;
        entry = { locator: { ...variant, nth: index }, count };
      }
      if (
        !best ||
        (best.count > 1 && entry.count === 1) ||
        entry.count < best.count
      ) {
        best = entry;
      }
      if (best.count === 1) break;
    }
    if (best) counted.push(best);
  }
  return counted;
}

/**
 * @param {WorkerRecordJob} job
 * @param {{
 *   emit: (event: WorkerEvent) => void;
 *   onShutdown: (cleanup: () => Promise<void> | void) => void;
 *   onCommand: (handler: (command: WorkerCommand) => void) => void;
 *   isShuttingDown: () => boolean;
 * }} io
 */
async function recordJob(job, io) {
  const { emit } = io;
  const playwright = shared.playwrightOf(job);
  const webServer = await shared.startWebServer(job, emit);
  io.onShutdown(() => webServer.stop());
  const browser = await shared.launchBrowser(job);
  io.onShutdown(() => browser.close());

  let viewport = { ...job.viewport };
  let picking = false;
  // While recorded steps are replayed, the page's events are the replay's, not the user's.
  let replaying = false;
  /** @type {number | undefined} */
  let lastInputSentAt;
  const maxFps = job.maxFps ?? 15;
  const minFrameGapMs = 1000 / Math.max(1, maxFps);
  let frameSeq = 0;
  let lastFrameAt = 0;
  let framesReceived = 0;
  /** The newest frame of the current page, sent or not. */
  let latestFrame = '';
  /** A frame held back by the frame rate limit, sent when the gap is over. */
  let heldFrame = false;
  /** @type {NodeJS.Timeout | undefined} */
  let frameTimer;

  /**
   * Sends the latest frame now, or when `minFrameGapMs` have passed since the last one: a
   * frame that arrives too soon is held rather than dropped, so a page that then stands
   * still is shown as it is, not as it was a frame earlier.
   */
  function sendLatestFrame() {
    heldFrame = true;
    if (frameTimer) return;
    const wait = lastFrameAt + minFrameGapMs - Date.now();
    if (wait > 0) {
      frameTimer = setTimeout(() => {
        frameTimer = undefined;
        if (heldFrame) sendLatestFrame();
      }, wait);
      return;
    }
    heldFrame = false;
    lastFrameAt = Date.now();
    frameSeq += 1;
    emit({
      type: 'frame',
      data: latestFrame,
      width: viewport.width,
      height: viewport.height,
      seq: frameSeq,
      ...(lastInputSentAt !== undefined
        ? { inputSentAt: lastInputSentAt }
        : {}),
    });
  }

  /**
   * Runs an input and records its `sentAt`. When the page redrew while the input ran, that
   * frame went out before the input counted as applied: it is sent again with the echo.
   * @param {number | undefined} sentAt
   * @param {() => Promise<void>} act
   */
  async function input(sentAt, act) {
    const before = framesReceived;
    await act();
    if (sentAt === undefined) return;
    lastInputSentAt = sentAt;
    if (framesReceived > before) sendLatestFrame();
  }

  /** @type {{ context: BrowserContext & { blocked: string[] }; page: Page; cdp: import('playwright-core').CDPSession } | undefined} */
  let current;
  /** The captures being handled, in order. */
  let captures = Promise.resolve();
  /** Per frame, the candidates counted when an element was pressed, by capture marker. */
  /** @type {WeakMap<Frame, Map<string, LocatorCandidate[]>>} */
  const preparedCounts = new WeakMap();

  /**
   * Waits until every frame has counted what is being pressed (`pending`), or first asks the
   * frames to count their focused element (`focus`, before a key that is recorded).
   * @param {'pending' | 'focus'} kind
   */
  async function settlePrepared(kind) {
    if (!current) return;
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const frames = current.page.frames().map(frame =>
      frame
        .evaluate(
          ([name, what]) => {
            const fn = /** @type {any} */ (window)[String(name)];
            return typeof fn === 'function' ? fn(what) : undefined;
          },
          [PENDING_NAME, kind],
        )
        .catch(() => undefined),
    );
    await Promise.race([
      Promise.all(frames),
      new Promise(resolve => {
        timer = setTimeout(resolve, PREPARE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** What the page reported, as an action or a pick. */
  async function onCapture(
    /** @type {any} */ source,
    /** @type {any} */ payload,
  ) {
    if (payload.kind === 'hello') return { picking: picking && !replaying };
    if (replaying) return undefined;
    const frame = /** @type {Frame} */ (source.frame);
    let counts = preparedCounts.get(frame);
    if (!counts) {
      counts = new Map();
      preparedCounts.set(frame, counts);
    }
    if (payload.kind === 'prepare') {
      const counted = await countCandidates(
        frame,
        payload.candidates,
        String(payload.marker),
      );
      counts.set(String(payload.marker), counted);
      // Presses that never became a step (a drag, say) are not kept for long.
      while (counts.size > 20) counts.delete(counts.keys().next().value);
      return undefined;
    }
    const prepared =
      payload.prepared === undefined
        ? undefined
        : counts.get(String(payload.prepared));
    if (prepared) counts.delete(String(payload.prepared));
    // Counted as the element was pressed, before the press changed the page; otherwise now.
    const candidates =
      prepared ??
      (await countCandidates(
        frame,
        payload.candidates,
        String(payload.marker),
      ));
    const cssCandidate = payload.candidates.find(
      (/** @type {TestLocator} */ c) => c.kind === 'css',
    );
    if (payload.kind === 'picked') {
      emit({ type: 'picked', candidates, state: payload.state });
      return undefined;
    }
    /** @type {import('../src/browser/protocol').RecordedAction | undefined} */
    let action;
    switch (payload.kind) {
      case 'click':
        action = {
          kind: 'click',
          button: payload.button,
          clickCount: payload.clickCount,
          modifiers: payload.modifiers,
        };
        break;
      case 'fill':
        action = payload.secret
          ? {
              kind: 'fill',
              value: String(payload.value ?? ''),
              secret: { hint: payload.secret.hint },
            }
          : { kind: 'fill', value: String(payload.value ?? '') };
        break;
      case 'press':
        action = { kind: 'press', key: payload.key };
        break;
      case 'select':
        action = { kind: 'select', values: payload.values };
        break;
      case 'check':
        action = { kind: 'check', checked: payload.checked };
        break;
      case 'upload':
        action = { kind: 'upload', fileNames: payload.fileNames };
        break;
      default:
        return undefined;
    }
    const onlyCss = candidates.every(c => c.locator.kind === 'css');
    emit({
      type: 'action',
      action,
      candidates,
      ...(onlyCss && cssCandidate ? { cssPath: cssCandidate.value } : {}),
    });
    return undefined;
  }

  /** A fresh context and page with capture, screencast and URL events; the old one is closed. */
  async function openPage() {
    if (current) {
      const old = current;
      current = undefined;
      // a frame of the old page still held back is not worth showing
      heldFrame = false;
      await old.context.close().catch(() => undefined);
    }
    const context = await shared.newContext(browser, job, playwright, {
      viewport,
    });
    await context.exposeBinding(BINDING_NAME, (source, payload) => {
      const handled = captures.then(() =>
        onCapture(source, payload).catch(error => {
          // A page that navigated away mid-count: the action is lost, say so.
          emit({
            type: 'error',
            message: `could not record an action: ${shared.errorMessage(
              error,
            )}`,
          });
          return undefined;
        }),
      );
      // One at a time, so steps come out in the order the user acted (a counted-ahead
      // press never overtakes the fill flushed just before it).
      captures = handled.then(() => undefined);
      return handled;
    });
    const options = {
      bindingName: BINDING_NAME,
      pickEventName: PICK_EVENT_NAME,
      markerAttribute: MARKER_ATTRIBUTE,
      pendingName: PENDING_NAME,
      testIdAttribute: job.testIdAttribute,
    };
    await context.addInitScript({
      content: `(${cometRecorderCapture.toString()})(${JSON.stringify(
        options,
      )});`,
    });
    const page = await context.newPage();
    page.on('framenavigated', async frame => {
      if (frame !== page.mainFrame()) return;
      const title = await page.title().catch(() => undefined);
      emit({ type: 'url', url: frame.url(), ...(title ? { title } : {}) });
    });
    const cdp = await context.newCDPSession(page);
    const session = { context, page, cdp };
    cdp.on('Page.screencastFrame', frame => {
      // Ack first: Chromium sends the next frame only after the ack, so dropping costs nothing.
      cdp
        .send('Page.screencastFrameAck', { sessionId: frame.sessionId })
        .catch(() => undefined);
      if (current !== session) return;
      if (!shared.frameFitsViewport(frame.data, viewport)) return;
      framesReceived += 1;
      latestFrame = frame.data;
      sendLatestFrame();
    });
    current = session;
    await startScreencast(session);
    return session;
  }

  /** @param {{ cdp: import('playwright-core').CDPSession }} session */
  async function startScreencast(session) {
    await session.cdp.send('Page.startScreencast', {
      format: 'jpeg',
      quality: job.jpegQuality ?? 70,
      maxWidth: viewport.width,
      maxHeight: viewport.height,
      everyNthFrame: 1,
    });
  }

  /**
   * Runs `steps[0..toIndex]` in the current page; `report` emits `replayed` per step.
   * @param {import('@internal/plugin-test-recorder-common').TestStep[]} steps
   * @param {number} toIndex
   * @param {boolean} report
   * @returns {Promise<boolean>} whether every step passed
   */
  async function runSteps(steps, toIndex, report) {
    if (!current) return false;
    replaying = true;
    try {
      await setPicking(false);
      return await runStepsNow(steps, toIndex, report);
    } finally {
      // A round trip lets the replay's own captures arrive while they are still ignored.
      await current?.page.evaluate(() => 0).catch(() => undefined);
      replaying = false;
      await setPicking(picking);
    }
  }

  /** Tells every frame of the page whether clicks pick elements. */
  async function setPicking(/** @type {boolean} */ enabled) {
    if (!current) return;
    for (const frame of current.page.frames()) {
      await frame
        .evaluate(
          ([name, value]) =>
            dispatchEvent(new CustomEvent(String(name), { detail: value })),
          [PICK_EVENT_NAME, enabled],
        )
        .catch(() => undefined);
    }
  }

  /**
   * @param {import('@internal/plugin-test-recorder-common').TestStep[]} steps
   * @param {number} toIndex
   * @param {boolean} report
   */
  async function runStepsNow(steps, toIndex, report) {
    if (!current) return false;
    const { page, context } = current;
    for (const [index, step] of steps.entries()) {
      if (index > toIndex) break;
      try {
        await shared.executeStep(page, step, {
          job,
          secrets: job.secrets,
          files: job.files,
          blocked: context.blocked,
        });
        if (report) emit({ type: 'replayed', index, status: 'passed' });
      } catch (error) {
        const message = `step ${index + 1} (${
          step.action
        }) failed: ${shared.errorMessage(error)}`;
        if (report) {
          emit({ type: 'replayed', index, status: 'failed', error: message });
        } else {
          emit({ type: 'error', message });
        }
        return false;
      }
    }
    return true;
  }

  async function openStartUrl() {
    if (!current) return;
    const target = job.startUrl ?? '/';
    const url = new URL(target, job.baseUrl).href;
    // The test's first step: a run starts from a blank page too
    emit({ type: 'action', action: { kind: 'navigate', url: target } });
    try {
      await current.page.goto(url, {
        timeout: job.stepTimeoutMs,
        waitUntil: 'load',
      });
    } catch (error) {
      throw shared.navigationError(
        error,
        url,
        current.context.blocked,
        job.baseUrl,
      );
    }
  }

  /** @param {string[] | undefined} modifiers */
  async function withModifiers(
    modifiers,
    /** @type {() => Promise<void>} */ act,
  ) {
    if (!current) return;
    const keys = modifiers ?? [];
    for (const key of keys) await current.page.keyboard.down(key);
    try {
      await act();
    } finally {
      for (const key of [...keys].reverse())
        await current.page.keyboard.up(key);
    }
  }

  /** @param {WorkerCommand} command */
  async function apply(command) {
    if (!current) throw new Error('the page is not open');
    const { page } = current;
    switch (command.cmd) {
      case 'mouse': {
        await input(command.sentAt, () =>
          withModifiers(command.modifiers, async () => {
            if (command.action === 'wheel') {
              await page.mouse.move(command.x, command.y);
              await page.mouse.wheel(command.deltaX ?? 0, command.deltaY ?? 0);
            } else if (command.action === 'move') {
              await page.mouse.move(command.x, command.y);
            } else {
              await page.mouse.move(command.x, command.y);
              const options = {
                button: command.button ?? 'left',
                clickCount: command.clickCount ?? 1,
              };
              if (command.action === 'down') {
                await page.mouse.down(options);
                // the page counted the pressed element's locators before the click changes it
                await settlePrepared('pending');
              } else {
                await page.mouse.up(options);
              }
            }
          }),
        );
        return;
      }
      case 'key': {
        await input(command.sentAt, async () => {
          if (command.action === 'insertText') {
            await page.keyboard.insertText(command.text ?? '');
            return;
          }
          const key = command.key;
          if (!key) throw new Error(`key ${command.action} needs a key`);
          if (command.action !== 'up' && RECORDED_KEYS.has(key)) {
            await settlePrepared('focus');
          }
          await withModifiers(command.modifiers, async () => {
            if (command.action === 'down') await page.keyboard.down(key);
            else if (command.action === 'up') await page.keyboard.up(key);
            else await page.keyboard.press(key);
          });
        });
        return;
      }
      case 'resize': {
        viewport = { width: command.width, height: command.height };
        await page.setViewportSize(viewport);
        // The screencast's size limits are fixed when it starts.
        await current.cdp.send('Page.stopScreencast').catch(() => undefined);
        await startScreencast(current);
        return;
      }
      case 'navigate': {
        const url = new URL(command.url, job.baseUrl).href;
        emit({
          type: 'action',
          action: { kind: 'navigate', url: command.url },
        });
        try {
          await page.goto(url, {
            timeout: job.stepTimeoutMs,
            waitUntil: 'load',
          });
        } catch (error) {
          throw shared.navigationError(
            error,
            url,
            current.context.blocked,
            job.baseUrl,
          );
        }
        return;
      }
      case 'back':
        await page.goBack({ timeout: job.stepTimeoutMs });
        return;
      case 'reload':
        await page.reload({ timeout: job.stepTimeoutMs });
        return;
      case 'pick':
        picking = command.enabled;
        await setPicking(picking);
        return;
      case 'replay': {
        await openPage();
        await runSteps(command.steps, command.toIndex, true);
        return;
      }
      default:
        throw new Error(
          `unknown command ${JSON.stringify(/** @type {any} */ (command).cmd)}`,
        );
    }
  }

  /** @type {() => void} */
  let closed = () => undefined;
  const closedPromise = new Promise(resolve => {
    closed = () => resolve(undefined);
  });
  // Commands run one at a time, in order: a mouse up never overtakes its down.
  let queue = Promise.resolve();
  io.onCommand(command => {
    if (command.cmd === 'close') {
      queue = queue.then(async () => {
        emit({ type: 'reply', id: command.id, ok: true });
        clearTimeout(frameTimer);
        heldFrame = false;
        if (current) await current.context.close().catch(() => undefined);
        closed();
      });
      return;
    }
    queue = queue.then(async () => {
      try {
        await apply(command);
        emit({ type: 'reply', id: command.id, ok: true });
      } catch (error) {
        emit({
          type: 'reply',
          id: command.id,
          ok: false,
          error: shared.errorMessage(error),
        });
      }
    });
  });

  await openPage();
  const steps = job.steps ?? [];
  if (steps.length > 0) await runSteps(steps, steps.length - 1, false);
  // Steps recorded so far usually begin with a navigate; without any, open the base URL.
  if (job.startUrl || steps.length === 0) await openStartUrl();
  emit({
    type: 'ready',
    url: current ? current.page.url() : job.baseUrl,
    viewport,
  });
  await closedPromise;
}

module.exports = { recordJob };
