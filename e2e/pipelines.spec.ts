import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';

/*
 * The pipelines UI end to end: real Chromium against the real backend and engine. Runs clone
 * the example repositories the portal serves itself (the example catalog names them at the
 * default port 7007; e2e/app-config.e2e.yaml's pipelines.gitUrlRewrites points git at this
 * portal instead).
 */

async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Pipelines', exact: true }),
  ).toBeVisible();
}

async function expectNoSeriousA11yViolations(page: Page, what: string) {
  // The whole page, the app's sidebar included
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(v =>
    ['serious', 'critical'].includes(v.impact ?? ''),
  );
  expect(
    serious.map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.html.slice(0, 300)),
    })),
    `axe on ${what}`,
  ).toEqual([]);
}

async function openCiCd(page: Page, component: string) {
  await page.goto(`/catalog/default/component/${component}`);
  // The entity page's tabs are links
  await page
    .getByRole('link', { name: 'CI/CD', exact: true })
    .or(page.getByRole('tab', { name: 'CI/CD' }))
    .click();
  await expect(page).toHaveURL(new RegExp(`/component/${component}/ci-cd`));
  await expect(
    page.getByRole('table', { name: /^Pipeline runs of/ }),
  ).toBeVisible();
}

async function startRun(
  page: Page,
  options: { pipeline?: RegExp; params?: Record<string, string> },
) {
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run pipeline' });
  await expect(dialog).toBeVisible();
  if (options.pipeline) {
    await dialog.getByRole('button', { name: /^Pipeline/ }).click();
    await page.getByRole('option', { name: options.pipeline }).click();
  }
  for (const [name, value] of Object.entries(options.params ?? {})) {
    await dialog.getByLabel(name).fill(value);
  }
  await dialog.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/pipelines\/runs\/[^/]+$/);
}

const runStatus = (page: Page) => page.getByTestId('run-status');
const log = (page: Page) => page.getByRole('region', { name: 'Run log' });

/** How many lines the log viewer holds, from its toolbar ("1,234 lines"). */
async function logLineCount(page: Page) {
  const summary = page
    .getByRole('toolbar', { name: 'Log tools' })
    .getByText(/^[\d,]+ lines?$/);
  return Number((await summary.innerText()).replace(/\D/g, ''));
}

test.describe('Pipelines UI', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('trigger a run with a param from the CI/CD tab and watch its log live to success', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await openCiCd(page, 'storefront-web');
    await expectNoSeriousA11yViolations(page, 'the CI/CD tab');
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run pipeline' });
    // The pipeline's typed params, with their defaults
    await expect(dialog.getByLabel('sleepSeconds')).toHaveValue('0');
    await expect(
      dialog.getByText('Seconds to wait before building'),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the Run pipeline dialog');
    // The wait keeps the run going for a while after its first lines
    await dialog.getByLabel('sleepSeconds').fill('8');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page).toHaveURL(/\/pipelines\/runs\/[^/]+$/);
    await expect(page.getByText('sleepSeconds=8')).toBeVisible();
    // Set on this document: still there at the end means the page never reloaded
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    // Lines are on screen while the run is still going…
    await expect(
      log(page)
        .getByText(/Checking out/)
        .first(),
    ).toBeVisible();
    await expect(runStatus(page)).toHaveText('Running');
    const firstCount = await logLineCount(page);
    expect(firstCount).toBeGreaterThan(0);
    await expect(
      log(page).getByText('waiting 8 s before the build'),
    ).toBeVisible();
    await expect(runStatus(page)).toHaveText('Running');
    // …and more arrive, streamed, before it finishes
    await expect
      .poll(
        async () => {
          const status = await runStatus(page).innerText();
          const count = await logLineCount(page);
          return status === 'Running' ? count : `${status} at ${count} lines`;
        },
        {
          message: 'the log grows while the run is Running',
          timeout: 60_000,
          intervals: [100],
        },
      )
      .toBeGreaterThan(firstCount);

    await expect(runStatus(page)).toHaveText('Succeeded', { timeout: 120_000 });
    await expect(
      log(page)
        .getByText(/pass|ok/i)
        .first(),
    ).toBeVisible();
    expect(await logLineCount(page)).toBeGreaterThan(firstCount);
    expect(
      await page.evaluate(
        () => (window as unknown as { notReloaded?: boolean }).notReloaded,
      ),
    ).toBe(true);
    await expectNoSeriousA11yViolations(page, 'the run page');
  });

  test('open and close the Run pipeline dialog from the keyboard', async ({
    page,
  }) => {
    await openCiCd(page, 'payments-api');
    const runButton = page.getByRole('button', { name: 'Run pipeline' });
    await expect(runButton).toBeVisible();
    // From the top of the page, Tab until the button has the focus
    await page.locator('body').focus();
    let presses = 0;
    while (!(await runButton.evaluate(el => el === document.activeElement))) {
      presses += 1;
      expect(presses, 'Tab presses to reach Run pipeline').toBeLessThan(100);
      await page.keyboard.press('Tab');
    }
    await expect(runButton).toBeFocused();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Run pipeline' });
    await expect(dialog).toBeVisible();
    // Once the pipelines have loaded the focus is on the first field, the pipeline
    await expect(
      dialog.getByRole('button', { name: /Pipeline/ }),
    ).toBeFocused();
    // The focus is trapped in the dialog: the next Tab lands on one of its fields
    await page.keyboard.press('Tab');
    expect(
      await dialog.evaluate(el => el.contains(document.activeElement)),
    ).toBe(true);
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    // …and back to the button that opened it
    await expect(runButton).toBeFocused();
  });

  test('cancel a long run', async ({ page }) => {
    test.setTimeout(120_000);
    await openCiCd(page, 'storefront-web');
    await startRun(page, { params: { sleepSeconds: '600' } });
    await expect(
      log(page).getByText('waiting 600 s before the build'),
    ).toBeVisible({ timeout: 60_000 });
    await expect(runStatus(page)).toHaveText('Running');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect(runStatus(page)).toHaveText('Cancelled', { timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Cancel run' })).toHaveCount(
      0,
    );
    await expect(
      page.getByRole('button', { name: 'Re-run', exact: true }),
    ).toBeVisible();
  });

  test('a backend that is down shows a retrying banner, then recovers', async ({
    page,
  }) => {
    await page.route('**/api/pipelines/**', route => route.abort());
    await page.goto('/catalog/default/component/payments-api/ci-cd');
    await expect(
      page
        .getByText(/Cannot reach the pipelines backend; reconnecting/)
        .first(),
    ).toBeVisible();
    await page.unroute('**/api/pipelines/**');
    await expect(
      page.getByRole('table', { name: /^Pipeline runs of/ }),
    ).toBeVisible({ timeout: 30_000 });
    await expect(
      page.getByText(/Cannot reach the pipelines backend/),
    ).toHaveCount(0);
  });

  test('a run id that does not exist', async ({ page }) => {
    const logReads: string[] = [];
    page.on('request', request => {
      if (request.url().includes('/runs/no-such-run/logs')) {
        logReads.push(request.url());
      }
    });
    await page.goto('/pipelines/runs/no-such-run');
    await expect(page.getByText('No pipeline run no-such-run')).toBeVisible();
    await expect(
      page.getByRole('heading', { name: 'Run not found' }),
    ).toBeVisible();
    // Nothing to follow: the page stops asking for the log (it polled every 2 s before)
    const readsSoFar = logReads.length;
    // Proving an absence takes waiting: over three of the poll's 2 s ticks after its 3 s wait
    await page.waitForTimeout(7000);
    expect(logReads).toHaveLength(readsSoFar);
  });

  test('the editor shows a validation error with its line and column', async ({
    page,
  }) => {
    await page.goto('/pipelines/editor');
    const editor = page.getByRole('textbox', { name: 'Pipeline YAML' });
    await expect(editor).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the editor');
    await editor.fill(
      'name: broken\njobs:\n  build:\n    needs: [nope]\n    steps:\n      - run: echo hi\n',
    );
    await expect(
      page.getByRole('list', { name: 'Validation problems' }),
    ).toContainText(/4:\d+: .*nope/);
  });

  test("the editor's visual builder", async ({ page }) => {
    await page.goto('/pipelines/editor');
    await expect(
      page.getByRole('textbox', { name: 'Pipeline YAML' }),
    ).toBeVisible();
    await page.getByRole('tab', { name: 'Visual builder' }).click();
    await expect(
      page.getByRole('tab', { name: 'Visual builder' }),
    ).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('region', { name: 'Jobs' })).toBeVisible();
    await expect(page.getByRole('group', { name: 'Palette' })).toBeVisible();
    await expect(
      page.getByRole('group', { name: /^Job / }).first(),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, "the editor's visual builder");
  });
});
