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

test.describe('Pipelines UI', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
  });

  test('trigger a run with a param from the CI/CD tab and watch its log live to success', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await openCiCd(page, 'payments-api');
    await expectNoSeriousA11yViolations(page, 'the CI/CD tab');
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run pipeline' });
    // The pipeline's typed params, with their defaults
    await expect(dialog.getByLabel('nodeOptions')).toHaveValue('');
    await expect(
      dialog.getByText('Extra NODE_OPTIONS for the test run'),
    ).toBeVisible();
    await dialog.getByLabel('nodeOptions').fill('--no-deprecation');
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(page).toHaveURL(/\/pipelines\/runs\/[^/]+$/);
    await expect(page.getByText('nodeOptions=--no-deprecation')).toBeVisible();
    // Lines arrive while the run is still going, then it succeeds without a reload
    await expect(
      log(page)
        .getByText(/Checking out/)
        .first(),
    ).toBeVisible();
    await expect(runStatus(page)).toHaveText('Succeeded', { timeout: 120_000 });
    await expect(
      log(page)
        .getByText(/pass|ok/i)
        .first(),
    ).toBeVisible();
    await expectNoSeriousA11yViolations(page, 'the run page');
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

  test('approve a gated run, then see its failing step highlighted', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    await openCiCd(page, 'ledger-worker');
    await startRun(page, { pipeline: /^release/ });
    const approval = page.getByRole('region', {
      name: 'Approval approve-production',
    });
    await expect(approval).toBeVisible({ timeout: 90_000 });
    await expect(approval).toContainText(
      'Release 1.0.0 of the ledger worker to production?',
    );
    await expect(runStatus(page)).toHaveText('Waiting');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await expect(approval).toHaveCount(0);
    await expect(runStatus(page)).toHaveText('Failed', { timeout: 90_000 });
    const failure = page.getByRole('region', { name: 'Failure' });
    await expect(failure).toContainText('Failed at deploy › Smoke check');
    await expect(failure).toContainText(
      'smoke check failed: /healthz answered 503',
    );
    await expect(log(page).getByText('Failing step')).toBeVisible();
    await expect(
      page.getByRole('button', { name: 'Re-run failed jobs' }),
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
    await page.goto('/pipelines/runs/no-such-run');
    await expect(page.getByText('No pipeline run no-such-run')).toBeVisible();
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
});
