import {
  APIRequestContext,
  expect,
  Locator,
  Page,
  test,
} from '@playwright/test';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/*
 * The test recorder end to end, as a user drives it: Storefront's Tests tab, a test recorded by
 * clicking and typing on the recorder's live view (the backend's sandboxed Chromium, streamed
 * over a WebSocket), a green run of the suite, the shop broken through the suite's web server
 * command (STOREFRONT_BREAK=price shows every price 10% higher), the failed run with its failing
 * step, visual diff and trace, and a new baseline accepted. The suite's web server starts from
 * the example repository the portal serves (e2e/app-config.e2e.yaml's gitUrlRewrites).
 *
 * The live view is a picture: to click an element on it the spec needs to know where the
 * recorder's browser drew it. A "shadow" storefront (the same app, started here, in this
 * Chromium at the recorder's viewport) gives each element's box; the spec mirrors the
 * recording's clicks there so both pages stay on the same screen.
 */

type StorefrontModule = {
  createStorefrontServer(options?: { breakMode?: string }): Server;
};
// The example app is plain CommonJS without types
const { createStorefrontServer } = require(path.resolve(
  __dirname,
  '../examples/projects/storefront-web/src/server.js',
)) as StorefrontModule;

const SUITE = 'storefront-checkout';
const STOREFRONT_COMMAND = 'node src/server.js';
const BROKEN_COMMAND = `STOREFRONT_BREAK=price ${STOREFRONT_COMMAND}`;
/** The recorder's default viewport preset ("Desktop 1280×720"). */
const RECORDER_VIEWPORT = { width: 1280, height: 720 };

async function signIn(page: Page) {
  await page.goto('/');
  await expect(page.getByText('Guest', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}

async function openTestsTab(page: Page, component: string) {
  await page.goto(`/catalog/default/component/${component}`);
  // The entity page's tabs are links
  await page
    .getByRole('link', { name: 'Tests', exact: true })
    .or(page.getByRole('tab', { name: 'Tests', exact: true }))
    .click();
  await expect(page).toHaveURL(new RegExp(`/component/${component}/tests$`));
  await expect(
    page.getByRole('heading', { name: 'Browser tests' }),
  ).toBeVisible();
}

/** The storefront started here, in this Chromium at the recorder's viewport. */
class ShadowStorefront {
  private constructor(private readonly server: Server, readonly page: Page) {}

  static async start(page: Page): Promise<ShadowStorefront> {
    const server = createStorefrontServer({ breakMode: 'none' });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    const { port } = server.address() as AddressInfo;
    await page.setViewportSize(RECORDER_VIEWPORT);
    await page.goto(`http://127.0.0.1:${port}/`);
    return new ShadowStorefront(server, page);
  }

  byTestId(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  async stop() {
    await this.page.close();
    await new Promise(resolve => this.server.close(resolve));
  }
}

/** The recorder page's live view: clicks land where the shadow page has the element. */
class LiveView {
  constructor(
    private readonly page: Page,
    private readonly shadow: ShadowStorefront,
  ) {}

  get view(): Locator {
    return this.page.getByRole('application', {
      name: /^Live view of the page being recorded/,
    });
  }

  /** Where `testId`'s element is drawn on the portal's page (its centre). */
  private async pointOf(testId: string) {
    const element = await this.shadow.byTestId(testId).boundingBox();
    expect(element, `${testId} on the shadow storefront`).not.toBeNull();
    await this.view.scrollIntoViewIfNeeded();
    const label = (await this.view.getAttribute('aria-label')) ?? '';
    const size = /\((\d+)×(\d+)\)/.exec(label);
    expect(size, `the frame size in "${label}"`).not.toBeNull();
    const frame = { width: Number(size![1]), height: Number(size![2]) };
    // The shadow page must lay out at the size the recorder's browser has
    expect(frame).toEqual(RECORDER_VIEWPORT);
    const shown = await this.view.locator('img').boundingBox();
    expect(shown).not.toBeNull();
    return {
      x:
        shown!.x +
        ((element!.x + element!.width / 2) / frame.width) * shown!.width,
      y:
        shown!.y +
        ((element!.y + element!.height / 2) / frame.height) * shown!.height,
    };
  }

  /** A click on the live view; `mirror` does it on the shadow page too. */
  async click(testId: string, options: { mirror?: boolean } = {}) {
    const { x, y } = await this.pointOf(testId);
    await this.page.mouse.click(x, y);
    if (options.mirror) await this.shadow.byTestId(testId).click();
  }
}

/** The run's own status chip, beside the page's heading. */
function runStatus(page: Page): Locator {
  return page
    .getByRole('heading', { level: 1, name: /^Run of/ })
    .locator('xpath=../..')
    .locator('[data-status]');
}

async function expectImageLoaded(image: Locator) {
  await expect(image).toBeVisible();
  await expect
    .poll(() => image.evaluate(el => (el as HTMLImageElement).naturalWidth > 0))
    .toBe(true);
}

/** Run → the Run dialog (all tests, or `only` that one) → the run page, until it is done. */
async function runSuite(page: Page, options: { only?: string } = {}) {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Run ${SUITE}` });
  await expect(dialog.getByLabel('Retries')).toHaveValue('0');
  if (options.only) {
    await dialog.getByRole('radio', { name: 'Selected tests' }).check();
    await dialog.getByRole('checkbox', { name: options.only }).check();
  }
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/test-recorder\/runs\/[^/]+$/);
  await expect(
    page.getByRole('heading', { level: 1, name: `Run of ${SUITE}` }),
  ).toBeVisible();
  // Queued, running, then done: the page reads the run again until then
  await expect(runStatus(page)).toHaveAttribute(
    'data-status',
    /^(passed|failed)$/,
    { timeout: 240_000 },
  );
}

async function openSuitePage(page: Page) {
  await page
    .getByRole('heading', { level: 1, name: /^Run of/ })
    .getByRole('link', { name: SUITE })
    .click();
  await expect(page).toHaveURL(new RegExp(`/test-recorder/suites/${SUITE}$`));
}

/** Settings → Web server command → Save as a new version. */
async function setWebServerCommand(
  page: Page,
  command: string,
  message: string,
) {
  await page.getByRole('tab', { name: 'Settings' }).click();
  const field = page.getByLabel('Web server command');
  await field.fill(command);
  await page.getByLabel('What changed (version message)').fill(message);
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await expect(page.getByText(/^Saved as version \d+$/)).toBeVisible();
  await expect(field).toHaveValue(command);
}

/** The name prefix of the tests this spec records. */
const RECORDED_PREFIX = 'add a mug ';

/**
 * Puts storefront-checkout back as seeded: without the tests this spec recorded and with the
 * shop's own web server command. Through the API, as the guest the UI signs in as.
 */
async function resetSuite(request: APIRequestContext) {
  const refresh = await request.get('/api/auth/guest/refresh', {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  // Never print this answer: it holds the token
  expect(refresh.status(), 'the guest sign-in').toBe(200);
  const token = (await refresh.json()).backstageIdentity.token as string;
  const headers = { Authorization: `Bearer ${token}` };
  const read = await request.get(`/api/test-recorder/suites/${SUITE}`, {
    headers,
  });
  expect(read.ok(), await read.text()).toBe(true);
  const suite = await read.json();
  const definition = suite.definition;
  const tests = definition.tests.filter(
    (t: { name: string }) => !t.name.startsWith(RECORDED_PREFIX),
  );
  if (
    tests.length === definition.tests.length &&
    definition.webServer?.command === STOREFRONT_COMMAND
  ) {
    return;
  }
  const write = await request.put(`/api/test-recorder/suites/${SUITE}`, {
    headers,
    data: {
      definition: {
        ...definition,
        tests,
        webServer: { ...definition.webServer, command: STOREFRONT_COMMAND },
      },
      baseVersion: suite.version,
      message: 'Reset by the end-to-end suite',
    },
  });
  expect(write.ok(), await write.text()).toBe(true);
}

test.describe('Test recorder', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('empty states and a base URL that is not allowed', async ({ page }) => {
    // The recorder needs an entity; opened bare, it says where to start
    await page.goto('/test-recorder/record');
    await expect(
      page.getByText(
        "Open the recorder from an entity's Tests tab: the page needs ?entityRef=.",
      ),
    ).toBeVisible();

    // payments-api's seeded suite has never run
    await openTestsTab(page, 'payments-api');
    const suite = page.getByRole('region', {
      name: 'Suite payments-api-smoke',
    });
    await expect(suite.getByText('Never run')).toBeVisible();
    await expect(suite.getByText(/payments-api-smoke · 2 tests/)).toBeVisible();
    await suite
      .getByRole('link', { name: 'Payments console smoke test' })
      .click();
    await page.getByRole('tab', { name: 'Runs' }).click();
    await expect(page.getByText('No runs yet.')).toBeVisible();

    // Recording against an origin outside testRecorder.allowedOrigins is refused before a
    // browser starts, and the page says why
    await openTestsTab(page, 'payments-api');
    await page.getByRole('button', { name: 'Record a new test' }).click();
    await expect(page).toHaveURL(
      /\/test-recorder\/record\?entityRef=component%3Adefault%2Fpayments-api$/,
    );
    await expect(page.getByText('Connection: idle')).toBeVisible();
    const baseUrl = page.getByLabel('Base URL');
    await expect(
      page.getByText('Allowed: see testRecorder.allowedOrigins'),
    ).toBeVisible();
    await baseUrl.fill('https://shop.example.com');
    await page.getByRole('button', { name: 'Start recording' }).click();
    const problem = page
      .getByRole('alert')
      .filter({ hasText: 'The recording did not start' });
    await expect(problem).toContainText(
      'baseUrl: https://shop.example.com is not an allowed origin',
    );
    await expect(problem).toContainText('testRecorder.allowedOrigins');
    // Nothing started: the form is still there, no live view
    await expect(page.getByText('Connection: idle')).toBeVisible();
    await expect(
      page.getByRole('button', { name: 'Start recording' }),
    ).toBeEnabled();
    await expect(page.getByRole('application')).toHaveCount(0);
  });

  test.describe('record, run, break, diff, trace, accept', () => {
    // The suite as seeded, whatever an earlier attempt left: a retry's green run must not
    // meet that attempt's recorded test, its broken-price baseline or the broken web server.
    // Setup and teardown only: what the test checks goes through the UI.
    test.beforeEach(async ({ request }) => {
      await resetSuite(request);
    });
    test.afterEach(async ({ request }) => {
      await resetSuite(request);
    });

    test('record a test on the live view, run the suite green, break the shop, see the diff and trace, accept the baseline', async ({
      page,
      context,
    }) => {
      test.setTimeout(600_000);
      const testName = `${RECORDED_PREFIX}${Date.now().toString(36)}`;
      const shadow = await ShadowStorefront.start(await context.newPage());
      const live = new LiveView(page, shadow);
      try {
        // Storefront's Tests tab → its suite → Record a new test
        await openTestsTab(page, 'storefront-web');
        const summary = page.getByRole('region', { name: `Suite ${SUITE}` });
        await expect(
          summary.getByText(new RegExp(`^${SUITE} · `)),
        ).toBeVisible();
        await summary
          .getByRole('link', { name: 'Storefront checkout' })
          .click();
        await expect(page).toHaveURL(
          new RegExp(`/test-recorder/suites/${SUITE}$`),
        );
        await page.getByRole('button', { name: 'Record a new test' }).click();
        await expect(
          page.getByRole('heading', {
            level: 1,
            name: `Record a test for ${SUITE}`,
          }),
        ).toBeVisible();
        await expect(page.getByLabel('Base URL')).toHaveValue(
          'http://127.0.0.1:4173',
        );
        await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();

        // The backend checks the repository out, starts the shop and a browser in the sandbox
        await page.getByRole('button', { name: 'Start recording' }).click();
        await expect(page.getByText('Connection: connected')).toBeVisible({
          timeout: 90_000,
        });
        await expect(live.view).toBeVisible({ timeout: 90_000 });
        await expect(page.getByLabel('URL', { exact: true })).toHaveValue(
          'http://127.0.0.1:4173/',
          { timeout: 60_000 },
        );
        const steps = page.getByRole('list', { name: 'Recorded steps' });
        // Opening the base URL is the test's first step: a run starts on a blank page
        await expect(steps.getByRole('listitem')).toHaveCount(1);
        await expect(steps.getByRole('listitem').first()).toContainText(
          'Go to /',
        );

        // Add the mug to the cart, on the live view
        await live.click('add-MUG-01', { mirror: true });
        await expect(steps.getByRole('listitem').last()).toContainText(
          'Click test id "add-MUG-01"',
        );
        await expect(shadow.byTestId('cart-message')).toHaveText(
          'Added Comet mug to your cart',
        );

        // Assert the shop's message: pick it on the live view
        await page.getByRole('button', { name: 'Add assertion' }).click();
        await expect(
          page.getByRole('button', { name: 'Add assertion' }),
        ).toHaveAttribute('aria-pressed', 'true');
        await live.click('cart-message');
        let dialog = page.getByRole('dialog', { name: 'Add an assertion' });
        await expect(dialog.getByRole('textbox', { name: 'Text' })).toHaveValue(
          'Added Comet mug to your cart',
        );
        await dialog.getByRole('button', { name: 'Add assertion' }).click();
        await expect(dialog).toHaveCount(0);
        await expect(steps.getByRole('listitem').last()).toContainText(
          'to have text "Added Comet mug to your cart"',
        );

        // To the cart; its total gets a visual check
        await live.click('cart-link', { mirror: true });
        await expect(page.getByLabel('URL', { exact: true })).toHaveValue(
          'http://127.0.0.1:4173/cart',
        );
        await expect(shadow.byTestId('cart-total')).toHaveText('Total: €12.00');
        await page.getByRole('button', { name: 'Add assertion' }).click();
        await live.click('cart-total');
        dialog = page.getByRole('dialog', { name: 'Add an assertion' });
        await expect(dialog.getByRole('textbox', { name: 'Text' })).toHaveValue(
          'Total: €12.00',
        );
        await dialog
          .getByRole('radio', { name: 'Looks the same (screenshot)' })
          .check();
        await dialog.getByLabel('Screenshot name').fill('mug-total');
        await dialog.getByRole('button', { name: 'Add assertion' }).click();
        await expect(steps.getByRole('listitem').last()).toContainText(
          'with screenshot "mug-total"',
        );

        // Checkout: type the email on the live view, Tab out of the field
        await live.click('checkout-link', { mirror: true });
        await expect(page.getByLabel('URL', { exact: true })).toHaveValue(
          'http://127.0.0.1:4173/checkout',
        );
        await live.click('email');
        await expect(live.view).toBeFocused();
        await page.keyboard.type('ada@example.com');
        await page.keyboard.press('Tab');
        await expect(
          steps.getByText(/^Fill .* with "ada@example\.com"$/),
        ).toBeVisible();
        await expect(steps.getByRole('listitem').last()).toContainText(
          /^Press Tab on /,
        );
        await page.getByRole('button', { name: 'Add assertion' }).click();
        await live.click('email');
        dialog = page.getByRole('dialog', { name: 'Add an assertion' });
        await expect(
          dialog.getByRole('textbox', { name: 'Value' }),
        ).toHaveValue('ada@example.com');
        await dialog.getByRole('button', { name: 'Add assertion' }).click();
        await expect(steps.getByRole('listitem').last()).toContainText(
          'to have value "ada@example.com"',
        );
        const recorded = await steps.getByRole('listitem').allInnerTexts();

        // Save it into the suite as a new test
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        const save = page.getByRole('dialog', { name: 'Save the test' });
        await save.getByLabel('Test name').fill(testName);
        await expect(save.getByLabel('Existing suite')).toBeChecked();
        await save.getByRole('button', { name: 'Save', exact: true }).click();
        await expect(page).toHaveURL(
          new RegExp(`/test-recorder/suites/${SUITE}$`),
        );
        const savedTest = page.getByRole('region', {
          name: `Test ${testName}`,
        });
        const savedSteps = savedTest.getByRole('list', {
          name: `Steps of ${testName}`,
        });
        await expect(savedSteps.getByRole('listitem')).toHaveCount(
          recorded.length,
        );
        await expect(savedSteps.getByRole('listitem').first()).toHaveText(
          'Go to /',
        );
        const testCount = await page
          .getByRole('region', { name: /^Test / })
          .count();

        // Run the whole suite: green
        await runSuite(page);
        await expect(runStatus(page)).toHaveAttribute('data-status', 'passed');
        await expect(page.getByLabel('Counts')).toHaveText(
          `${testCount} passed · 0 failed · 0 flaky · 0 skipped`,
        );
        let result = page.getByRole('region', { name: `Test ${testName}` });
        await expect(result.locator('[data-status]').first()).toHaveAttribute(
          'data-status',
          'passed',
        );
        await expectImageLoaded(
          result.getByRole('img', { name: 'Screenshot after step 1' }),
        );
        const video = result.getByLabel(`Video of ${testName}, attempt 1`);
        await expect(video).toBeVisible();
        // Its metadata loaded: the page may play it (a refused URL leaves it empty)
        await expect
          .poll(() =>
            video.evaluate(el => (el as HTMLVideoElement).readyState >= 1),
          )
          .toBe(true);
        // The first run proposes the screenshot; accepting makes it the baseline
        let visual = result.getByRole('region', {
          name: 'Visual check mug-total',
        });
        await expect(visual.locator('[data-status]')).toHaveAttribute(
          'data-status',
          'new',
        );
        await expectImageLoaded(
          visual.getByRole('img', { name: 'Actual of mug-total' }),
        );
        await visual
          .getByRole('button', { name: 'Accept as new baseline' })
          .click();
        await expect(
          visual.getByText(
            'Accepted: the next runs compare with this screenshot.',
          ),
        ).toBeVisible();

        // Break the shop: its web server shows every price 10% higher
        await openSuitePage(page);
        await setWebServerCommand(
          page,
          BROKEN_COMMAND,
          'Break the prices (e2e)',
        );

        // Run the recorded test again: red, with the failing step, the visual diff and the trace
        await runSuite(page, { only: testName });
        await expect(runStatus(page)).toHaveAttribute('data-status', 'failed');
        await expect(page.getByLabel('Counts')).toHaveText(
          '0 passed · 1 failed · 0 flaky · 0 skipped',
        );
        await expect(page.getByRole('region', { name: /^Test / })).toHaveCount(
          1,
        );
        result = page.getByRole('region', { name: `Test ${testName}` });
        await expect(result.locator('[data-status]').first()).toHaveAttribute(
          'data-status',
          'failed',
        );
        const failingStep = recorded.findIndex(text =>
          text.includes('with screenshot "mug-total"'),
        );
        await expect(result.getByLabel('Failure')).toContainText(
          `Step ${
            failingStep + 1
          } failed: screenshot mug-total differs from its baseline`,
        );
        const resultSteps = result
          .getByRole('list', { name: `Steps of ${testName}` })
          .getByRole('listitem');
        await expect(
          resultSteps.nth(failingStep).locator('[data-status]').first(),
        ).toHaveAttribute('data-status', 'failed');
        await expect(
          resultSteps
            .nth(failingStep + 1)
            .locator('[data-status]')
            .first(),
        ).toHaveAttribute('data-status', 'skipped');
        visual = result.getByRole('region', { name: 'Visual check mug-total' });
        await expect(visual.locator('[data-status]')).toHaveAttribute(
          'data-status',
          'differs',
        );
        await expect(visual.getByText(/^\d+ pixels differ \(/)).toBeVisible();
        for (const image of ['Baseline', 'Actual', 'Diff']) {
          await expectImageLoaded(
            visual.getByRole('img', { name: `${image} of mug-total` }),
          );
        }
        // The trace opens in Playwright's Trace Viewer, served by the portal
        const [viewer] = await Promise.all([
          context.waitForEvent('page'),
          result.getByRole('button', { name: 'Open trace' }).click(),
        ]);
        await expect(viewer).toHaveURL(
          /\/api\/test-recorder\/trace-viewer\/index\.html\?trace=/,
        );
        await expect(viewer).toHaveTitle('Playwright Trace Viewer');
        // The attempt's own actions, up to the screenshot that differed
        await expect(
          viewer.getByText("getByTestId('add-MUG-01')").first(),
        ).toBeVisible({ timeout: 30_000 });
        await expect(
          viewer.getByText("getByTestId('cart-total')").first(),
        ).toBeVisible();
        await viewer.close();

        // The new look is right: accept it as the baseline
        await visual
          .getByRole('button', { name: 'Accept as new baseline' })
          .click();
        await expect(
          visual.getByText(
            'Accepted: the next runs compare with this screenshot.',
          ),
        ).toBeVisible();
        await expect(
          visual.getByRole('button', { name: 'Accept as new baseline' }),
        ).toHaveCount(0);
      } finally {
        await shadow.stop();
      }
    });
  });
});
