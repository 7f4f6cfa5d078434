// @ts-check
'use strict';
/**
 * What both worker modes share: the suite's web server, Chromium, a context that only reaches
 * loopback and the allowed origins, locating a step's element and running one step. Plain
 * CommonJS so the worker runs in the sandbox without a build; modules come from job.modules.
 */
const childProcess = require('node:child_process');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');

/** @typedef {import('../src/browser/protocol').WorkerJob} WorkerJob */
/** @typedef {import('../src/browser/protocol').WorkerEvent} WorkerEvent */
/** @typedef {import('@internal/plugin-test-recorder-common').TestLocator} TestLocator */
/** @typedef {import('@internal/plugin-test-recorder-common').TestTarget} TestTarget */
/** @typedef {import('@internal/plugin-test-recorder-common').TestStep} TestStep */
/** @typedef {(event: WorkerEvent) => void} Emit */

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const POLL_INTERVAL_MS = 100;

/** @param {number} ms */
const delay = ms => new Promise(resolve => setTimeout(resolve, ms));

/** @param {unknown} error */
function errorMessage(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts `webServer.command` with `sh -c` in its own process group and waits until its ready
 * URL answers below 400.
 * @param {WorkerJob} job
 * @param {Emit} emit
 * @returns {Promise<{ stop(): Promise<void> }>}
 */
async function startWebServer(job, emit) {
  const webServer = job.webServer;
  if (!webServer) {
    return { stop: async () => {} };
  }
  const cwd = path.join(job.repoDir ?? process.cwd(), webServer.cwd ?? '');
  const readyUrl = webServer.readyUrl ?? `http://127.0.0.1:${webServer.port}/`;
  const timeoutMs = webServer.timeoutMs ?? 30_000;
  emit({ type: 'webServer', status: 'starting', message: webServer.command });

  /** @type {string[]} */
  const lines = [];
  let partial = '';
  /** @param {Buffer} chunk */
  const keep = chunk => {
    // Also on the worker's stderr: the backend keeps its tail for error messages.
    process.stderr.write(chunk);
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 20) lines.splice(0, lines.length - 20);
  };
  const child = childProcess.spawn('sh', ['-c', webServer.command], {
    cwd,
    env: { ...process.env, ...webServer.env, PORT: String(webServer.port) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  /** @type {string | undefined} */
  let exitedWith;
  child.on(
    'error',
    error => (exitedWith = `could not start: ${error.message}`),
  );
  const exited = new Promise(resolve =>
    child.on('exit', (code, signal) => {
      exitedWith ??= signal
        ? `killed by ${signal}`
        : `exited with code ${code}`;
      resolve(undefined);
    }),
  );

  const stop = async () => {
    if (exitedWith || child.pid === undefined) return;
    const signalGroup = (/** @type {NodeJS.Signals} */ signal) => {
      try {
        process.kill(-(/** @type {number} */ (child.pid)), signal);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGTERM');
    const killTimer = setTimeout(() => signalGroup('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killTimer);
  };

  const started = Date.now();
  const output = () => {
    const tail = [...lines, ...(partial ? [partial] : [])].slice(-20);
    return tail.length
      ? `; its last output:\n${tail.join('\n')}`
      : '; it printed nothing';
  };
  for (;;) {
    if (exitedWith) {
      const message = `the web server \`${
        webServer.command
      }\` ${exitedWith} before ${readyUrl} answered${output()}`;
      emit({ type: 'webServer', status: 'failed', message });
      throw new Error(message);
    }
    if ((await probe(readyUrl)) !== undefined) break;
    if (Date.now() - started > timeoutMs) {
      const message = `the web server \`${
        webServer.command
      }\` did not answer at ${readyUrl} within ${Math.round(
        timeoutMs / 1000,
      )} s (webServer.timeoutMs)${output()}`;
      emit({ type: 'webServer', status: 'failed', message });
      await stop();
      throw new Error(message);
    }
    await delay(200);
  }
  emit({ type: 'webServer', status: 'ready', message: readyUrl });
  return { stop };
}

/**
 * The status when `url` answers below 400, undefined otherwise.
 * @param {string} url
 * @returns {Promise<number | undefined>}
 */
function probe(url) {
  return new Promise(resolve => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(
      url,
      { timeout: 2_000, rejectUnauthorized: false },
      res => {
        res.resume();
        const status = res.statusCode ?? 500;
        resolve(status < 400 ? status : undefined);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** @param {WorkerJob} job */
function playwrightOf(job) {
  return /** @type {typeof import('playwright-core')} */ (
    require(job.modules.playwrightCore)
  );
}

/**
 * @param {WorkerJob} job
 * @returns {Promise<import('playwright-core').Browser>}
 */
async function launchBrowser(job) {
  const { chromium } = playwrightOf(job);
  return chromium.launch({
    executablePath: job.chromiumPath,
    args: CHROMIUM_ARGS,
    proxy: job.proxyServer
      ? { server: job.proxyServer, bypass: '127.0.0.1,localhost,[::1]' }
      : undefined,
  });
}

/** @param {string} url */
function isAllowedUrl(url, /** @type {Set<string>} */ allowed) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:'].includes(parsed.protocol)) return true;
  if (LOOPBACK_HOSTS.has(parsed.hostname)) return true;
  return allowed.has(parsed.origin);
}

/**
 * A context with the suite's device (or a desktop viewport) that aborts requests to origins
 * that are neither loopback nor allowed; `blocked` lists them for the failing step's error.
 * @param {import('playwright-core').Browser} browser
 * @param {WorkerJob} job
 * @param {typeof import('playwright-core')} playwright
 * @param {import('playwright-core').BrowserContextOptions} [extra]
 */
async function newContext(browser, job, playwright, extra = {}) {
  /** @type {import('playwright-core').BrowserContextOptions} */
  let device = { viewport: { width: 1280, height: 720 } };
  if (job.project) {
    const descriptor = playwright.devices[job.project];
    if (!descriptor) {
      const names = Object.keys(playwright.devices);
      const examples = [
        'Desktop Chrome',
        'Pixel 7',
        'iPhone 14',
        'iPad Mini',
      ].filter(n => names.includes(n));
      throw new Error(
        `unknown device "${
          job.project
        }" (project): use a Playwright device name such as ${examples
          .map(n => JSON.stringify(n))
          .join(', ')}`,
      );
    }
    // Chromium only: a WebKit/Firefox descriptor's browser type is ignored.
    const { defaultBrowserType: _ignored, ...rest } = descriptor;
    device = rest;
  }
  playwright.selectors.setTestIdAttribute(job.testIdAttribute);
  const context = await browser.newContext({
    ...device,
    baseURL: job.baseUrl,
    ...extra,
  });
  const allowed = new Set(
    job.allowedOrigins.map(origin => {
      try {
        return new URL(origin).origin;
      } catch {
        return origin;
      }
    }),
  );
  /** @type {string[]} */
  const blocked = [];
  await context.route('**/*', route => {
    const url = route.request().url();
    if (isAllowedUrl(url, allowed)) {
      return route.continue();
    }
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return Object.assign(context, { blocked });
}

/** @param {string} value */
const quote = value => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Playwright-style text for a locator, for messages.
 * @param {TestLocator} locator
 */
function describeLocator(locator) {
  /** @type {string} */
  let text;
  switch (locator.kind) {
    case 'role': {
      const options = [];
      if (locator.name !== undefined)
        options.push(`name: ${quote(locator.name)}`);
      if (locator.exact) options.push('exact: true');
      text = `getByRole(${quote(locator.role)}${
        options.length ? `, { ${options.join(', ')} }` : ''
      })`;
      break;
    }
    case 'css':
      text = `locator(${quote(locator.value)})`;
      break;
    case 'testId':
      text = `getByTestId(${quote(locator.value)})`;
      break;
    default: {
      const name = {
        placeholder: 'getByPlaceholder',
        label: 'getByLabel',
        altText: 'getByAltText',
        text: 'getByText',
        title: 'getByTitle',
      }[locator.kind];
      text = `${name}(${quote(locator.value)}${
        locator.exact ? ', { exact: true }' : ''
      })`;
    }
  }
  return locator.nth !== undefined ? `${text}.nth(${locator.nth})` : text;
}

/**
 * @param {import('playwright-core').Page} page
 * @param {TestLocator} locator
 * @returns {import('playwright-core').Locator}
 */
function toLocator(page, locator) {
  /** @type {import('playwright-core').Locator} */
  let result;
  switch (locator.kind) {
    case 'testId':
      result = page.getByTestId(locator.value);
      break;
    case 'role':
      result = page.getByRole(/** @type {any} */ (locator.role), {
        name: locator.name,
        exact: locator.exact,
      });
      break;
    case 'placeholder':
      result = page.getByPlaceholder(locator.value, { exact: locator.exact });
      break;
    case 'label':
      result = page.getByLabel(locator.value, { exact: locator.exact });
      break;
    case 'altText':
      result = page.getByAltText(locator.value, { exact: locator.exact });
      break;
    case 'text':
      result = page.getByText(locator.value, { exact: locator.exact });
      break;
    case 'title':
      result = page.getByTitle(locator.value, { exact: locator.exact });
      break;
    case 'css':
      result = page.locator(locator.value);
      break;
    default:
      throw new Error(
        `unknown locator kind ${JSON.stringify(
          /** @type {any} */ (locator).kind,
        )}`,
      );
  }
  return locator.nth !== undefined ? result.nth(locator.nth) : result;
}

/** @param {import('playwright-core').Locator} locator */
async function countOf(locator) {
  try {
    return await locator.count();
  } catch {
    return 0;
  }
}

/**
 * The element a step targets: its best locator when that matches exactly one element, else
 * the first fallback that does, else (after waiting up to the timeout) an error.
 * @param {import('playwright-core').Page} page
 * @param {TestTarget} target
 * @param {number} timeoutMs
 * @returns {Promise<{ locator: import('playwright-core').Locator; usedFallback?: string }>}
 */
async function resolveTarget(page, target, timeoutMs) {
  const best = toLocator(page, target.locator);
  const fallbacks = (target.fallbacks ?? []).map(f => ({
    locator: toLocator(page, f),
    description: describeLocator(f),
  }));
  const deadline = Date.now() + timeoutMs;
  let bestCount = 0;
  for (;;) {
    bestCount = await countOf(best);
    if (bestCount === 1) return { locator: best };
    for (const fallback of fallbacks) {
      if ((await countOf(fallback.locator)) === 1) {
        return {
          locator: fallback.locator,
          usedFallback: fallback.description,
        };
      }
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())));
  }
  const bestText = describeLocator(target.locator);
  if (bestCount > 1) {
    throw new Error(
      `${bestText} matches ${bestCount} elements${
        fallbacks.length
          ? ` (no fallback matches exactly one: ${fallbacks
              .map(f => f.description)
              .join(', ')})`
          : ''
      }`,
    );
  }
  throw new Error(
    `no element matches ${bestText}${
      fallbacks.length
        ? ` (also tried ${fallbacks.map(f => f.description).join(', ')})`
        : ''
    } within ${timeoutMs} ms`,
  );
}

/**
 * @param {string} url
 * @param {string} baseUrl
 */
function absoluteUrl(url, baseUrl) {
  return new URL(url, baseUrl).href;
}

/**
 * A navigation error in words a suite author can act on.
 * @param {unknown} error
 * @param {string} url
 * @param {string[]} blocked
 * @param {string} baseUrl
 */
function navigationError(error, url, blocked, baseUrl) {
  const message = errorMessage(error);
  const blockedUrl = blocked.find(
    b => b === url || b.startsWith(new URL(url).origin),
  );
  if (blockedUrl) {
    return new Error(
      `blocked request to ${blockedUrl}: its origin is not in testRecorder.allowedOrigins`,
    );
  }
  const code = /net::ERR_[A-Z_]+/.exec(message)?.[0];
  if (code) {
    return new Error(
      `could not open ${url}: ${code} (${navigationHint(code, url, baseUrl)})`,
    );
  }
  return new Error(`could not open ${url}: ${message.split('\n')[0]}`);
}

/**
 * @param {string} code
 * @param {string} url
 * @param {string} baseUrl
 */
function navigationHint(code, url, baseUrl) {
  const target = new URL(url);
  if (
    code === 'net::ERR_CONNECTION_REFUSED' &&
    LOOPBACK_HOSTS.has(target.hostname) &&
    target.origin !== new URL(baseUrl).origin
  ) {
    // Someone aiming at a host service (the backend's port) from a test or a recording.
    return `nothing listens on ${target.host} inside the sandbox, whose loopback is its own: services on the host, Comet's backend among them, are out of reach`;
  }
  return 'is the web server running / is the base URL right?';
}

/**
 * Polls `read` until `check` accepts its value or the deadline passes.
 * @template T
 * @param {() => Promise<T>} read
 * @param {(value: T) => boolean} check
 * @param {number} deadline
 * @returns {Promise<{ ok: boolean; value: T | undefined }>}
 */
async function pollUntil(read, check, deadline) {
  /** @type {T | undefined} */
  let value;
  for (;;) {
    try {
      value = await read();
      if (check(value)) return { ok: true, value };
    } catch {
      // detached or navigating: read again
    }
    if (Date.now() >= deadline) return { ok: false, value };
    await delay(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())));
  }
}

/** @param {string} text */
const normalizeText = text => text.replace(/\s+/g, ' ').trim();

/**
 * @typedef {{
 *   job: WorkerJob;
 *   secrets: Record<string, string>;
 *   files: Record<string, string>;
 *   blocked?: string[];
 * }} StepContext
 * @typedef {{ usedFallback?: string; screenshot?: Buffer }} StepOutcome
 */

/**
 * Runs one step. Throws an Error whose message says what was expected and what was found.
 * `assertScreenshot` returns the PNG for the caller to compare with its baseline.
 * @param {import('playwright-core').Page} page
 * @param {TestStep} step
 * @param {StepContext} ctx
 * @returns {Promise<StepOutcome>}
 */
async function executeStep(page, step, ctx) {
  const timeoutMs = step.timeoutMs ?? ctx.job.stepTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  // The action gets the whole step timeout after its element is found (as in Playwright,
  // where each action has its own timeout); polling assertions use the deadline.
  const remaining = () => timeoutMs;
  const blocked = ctx.blocked ?? [];
  const blockedBefore = blocked.length;
  /** @param {TestTarget} target */
  const resolve = target => resolveTarget(page, target, timeoutMs);

  try {
    switch (step.action) {
      case 'navigate': {
        const url = absoluteUrl(step.url, ctx.job.baseUrl);
        try {
          await page.goto(url, { timeout: timeoutMs, waitUntil: 'load' });
        } catch (error) {
          throw navigationError(
            error,
            url,
            blocked.slice(blockedBefore),
            ctx.job.baseUrl,
          );
        }
        return {};
      }
      case 'click': {
        const { locator, usedFallback } = await resolve(step.target);
        await locator.click({
          button: step.button,
          clickCount: step.clickCount,
          modifiers: step.modifiers,
          timeout: remaining(),
        });
        return { usedFallback };
      }
      case 'fill': {
        const { locator, usedFallback } = await resolve(step.target);
        if (step.secret !== undefined) {
          const value = ctx.secrets[step.secret];
          if (value === undefined) {
            throw new Error(
              `secret ${step.secret} has no value: set it on the suite page or in testRecorder.suites.<suite>.secrets`,
            );
          }
          // Masked before typing, so no screenshot or video frame ever shows the value.
          await locator.evaluate(element => {
            /** @type {any} */ (element).style.webkitTextSecurity = 'disc';
          });
          await locator.fill(value, { timeout: remaining() });
        } else {
          await locator.fill(step.value ?? '', { timeout: remaining() });
        }
        return { usedFallback };
      }
      case 'press': {
        if (step.target) {
          const { locator, usedFallback } = await resolve(step.target);
          await locator.press(step.key, { timeout: remaining() });
          return { usedFallback };
        }
        await page.keyboard.press(step.key);
        return {};
      }
      case 'select': {
        const { locator, usedFallback } = await resolve(step.target);
        await locator.selectOption(step.values, { timeout: remaining() });
        return { usedFallback };
      }
      case 'check': {
        const { locator, usedFallback } = await resolve(step.target);
        await locator.setChecked(step.checked, { timeout: remaining() });
        return { usedFallback };
      }
      case 'upload': {
        const paths = step.files.map(name => {
          const file = ctx.files[name];
          if (!file) {
            const known = Object.keys(ctx.files);
            throw new Error(
              `file ${JSON.stringify(name)} is not one of the suite's files (${
                known.length
                  ? known.map(k => JSON.stringify(k)).join(', ')
                  : 'it has none'
              })`,
            );
          }
          return file;
        });
        const { locator, usedFallback } = await resolve(step.target);
        await locator.setInputFiles(paths, { timeout: remaining() });
        return { usedFallback };
      }
      case 'waitFor': {
        if (step.state === 'visible' || step.state === 'attached') {
          const { locator, usedFallback } = await resolve(step.target);
          await locator.waitFor({ state: step.state, timeout: remaining() });
          return { usedFallback };
        }
        const locator = toLocator(page, step.target.locator);
        const result = await pollUntil(
          async () =>
            step.state === 'detached' ? locator.count() : countVisible(locator),
          count => count === 0,
          deadline,
        );
        if (!result.ok) {
          throw new Error(
            `expected ${describeLocator(step.target.locator)} to be ${
              step.state
            }, but ${result.value} element(s) are still ${
              step.state === 'detached' ? 'attached' : 'visible'
            } after ${timeoutMs} ms`,
          );
        }
        return {};
      }
      case 'assertVisible': {
        if (!step.visible) {
          const locator = toLocator(page, step.target.locator);
          const result = await pollUntil(
            () => countVisible(locator),
            count => count === 0,
            deadline,
          );
          if (!result.ok) {
            throw new Error(
              `expected ${describeLocator(
                step.target.locator,
              )} to be hidden, but it is visible`,
            );
          }
          return {};
        }
        const { locator, usedFallback } = await resolve(step.target);
        const result = await pollUntil(
          () => locator.isVisible(),
          v => v === true,
          deadline,
        );
        if (!result.ok) {
          throw new Error(
            `expected ${describeLocator(
              step.target.locator,
            )} to be visible, but it is hidden`,
          );
        }
        return { usedFallback };
      }
      case 'assertText': {
        const { locator, usedFallback } = await resolve(step.target);
        const expected = normalizeText(step.text);
        const result = await pollUntil(
          async () =>
            normalizeText(await locator.innerText({ timeout: remaining() })),
          actual =>
            step.match === 'exact'
              ? actual === expected
              : actual.includes(expected),
          deadline,
        );
        if (!result.ok) {
          throw new Error(
            `expected the text of ${describeLocator(step.target.locator)} to ${
              step.match === 'exact' ? 'be' : 'contain'
            } ${JSON.stringify(expected)}, found ${JSON.stringify(
              result.value ?? '',
            )}`,
          );
        }
        return { usedFallback };
      }
      case 'assertValue': {
        const { locator, usedFallback } = await resolve(step.target);
        const result = await pollUntil(
          () => locator.inputValue({ timeout: remaining() }),
          actual => actual === step.value,
          deadline,
        );
        if (!result.ok) {
          throw new Error(
            `expected the value of ${describeLocator(
              step.target.locator,
            )} to be ${JSON.stringify(step.value)}, found ${JSON.stringify(
              result.value ?? '',
            )}`,
          );
        }
        return { usedFallback };
      }
      case 'assertChecked': {
        const { locator, usedFallback } = await resolve(step.target);
        const result = await pollUntil(
          () => locator.isChecked({ timeout: remaining() }),
          actual => actual === step.checked,
          deadline,
        );
        if (!result.ok) {
          throw new Error(
            `expected ${describeLocator(step.target.locator)} to be ${
              step.checked ? 'checked' : 'unchecked'
            }, found it ${result.value ? 'checked' : 'unchecked'}`,
          );
        }
        return { usedFallback };
      }
      case 'assertUrl': {
        const expected =
          step.match === 'exact'
            ? absoluteUrl(step.url, ctx.job.baseUrl)
            : step.url;
        const result = await pollUntil(
          async () => page.url(),
          actual =>
            step.match === 'exact'
              ? actual === expected
              : actual.includes(expected),
          deadline,
        );
        if (!result.ok) {
          throw new Error(
            `expected the URL to ${
              step.match === 'exact' ? 'be' : 'contain'
            } ${expected}, found ${page.url()}`,
          );
        }
        return {};
      }
      case 'assertScreenshot': {
        if (step.target) {
          const { locator, usedFallback } = await resolve(step.target);
          const screenshot = await locator.screenshot({
            type: 'png',
            animations: 'disabled',
            caret: 'hide',
            timeout: remaining(),
          });
          return { usedFallback, screenshot };
        }
        const screenshot = await page.screenshot({
          type: 'png',
          animations: 'disabled',
          caret: 'hide',
          timeout: remaining(),
        });
        return { screenshot };
      }
      default:
        throw new Error(
          `unknown step action ${JSON.stringify(
            /** @type {any} */ (step).action,
          )}`,
        );
    }
  } catch (error) {
    const newlyBlocked = blocked.slice(blockedBefore);
    if (
      newlyBlocked.length &&
      !errorMessage(error).startsWith('blocked request')
    ) {
      throw new Error(
        `${firstLine(errorMessage(error))}; blocked request to ${
          newlyBlocked[0]
        }: its origin is not in testRecorder.allowedOrigins`,
      );
    }
    throw new Error(firstLine(errorMessage(error)));
  }
}

/** Playwright's messages carry a call log after the first lines; keep the readable part. */
function firstLine(/** @type {string} */ message) {
  const cut = message.indexOf('\nCall log:');
  return (cut >= 0 ? message.slice(0, cut) : message).trim();
}

/** @param {import('playwright-core').Locator} locator */
async function countVisible(locator) {
  let visible = 0;
  for (const element of await locator.all()) {
    if (await element.isVisible()) visible += 1;
  }
  return visible;
}

/**
 * Width and height from a JPEG's start-of-frame marker; undefined when `data` (possibly only
 * the start of the file) does not reach one.
 * @param {Buffer} data
 * @returns {{ width: number; height: number } | undefined}
 */
function jpegSize(data) {
  if (data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 9 <= data.length && data[offset] === 0xff) {
    const marker = data[offset + 1];
    // SOF0..SOF15, except DHT (c4), JPG (c8) and DAC (cc)
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
    offset += 2 + data.readUInt16BE(offset + 2);
  }
  return undefined;
}

/**
 * Whether a screencast frame shows the page at the viewport's proportions. A new page's first
 * frame can come from the browser window before the viewport applies (640x405 for a 640x480
 * viewport): shown or encoded, it would squash the page, so it is left out.
 * @param {string} base64Jpeg a `Page.screencastFrame`'s data
 * @param {{ width: number; height: number }} viewport
 */
function frameFitsViewport(base64Jpeg, viewport) {
  // The start-of-frame marker comes within the first few hundred bytes.
  const size = jpegSize(Buffer.from(base64Jpeg.slice(0, 4096), 'base64'));
  if (!size || size.height === 0 || viewport.height === 0) return true;
  const ratio = size.width / size.height;
  const expected = viewport.width / viewport.height;
  return Math.abs(ratio - expected) <= expected * 0.02;
}

module.exports = {
  CHROMIUM_ARGS,
  frameFitsViewport,
  jpegSize,
  startWebServer,
  launchBrowser,
  newContext,
  resolveTarget,
  describeLocator,
  toLocator,
  executeStep,
  navigationError,
  playwrightOf,
  errorMessage,
  delay,
};
