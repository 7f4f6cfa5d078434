import { expect, test } from '@playwright/test';
import { createHmac } from 'node:crypto';

/*
 * SonarQube in the portal, against the SonarQube fake the e2e backend serves at
 * /api/fakes/sonarqube (e2e/app-config.e2e.yaml): the card, the Code quality tab with its
 * branch/pull-request switcher and paged issues, and the table on a group and a system.
 */
test.describe('SonarQube', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await expect(page.getByText('Guest', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Enter' }).click();
    // Signed in once the sidebar shows; only then do the tests navigate on their own
    await expect(
      page
        .getByRole('navigation', { name: 'sidebar nav' })
        .getByRole('link', { name: 'Catalog', exact: true }),
    ).toBeVisible();
  });

  test("a component's card shows the gate and ratings, and its tab switches to a pull request", async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/payments-api');
    const card = page
      .locator('.MuiCard-root')
      .filter({ has: page.getByText('Code quality', { exact: true }) });
    await expect(
      card.getByRole('heading', { name: 'Payments API' }),
    ).toBeVisible({ timeout: 45_000 });
    await expect(card.getByText('Quality gate: Passed')).toBeVisible();
    await expect(card.getByText(/^Reliability: [A-E]$/)).toBeVisible();
    await expect(card.getByText(/^Security: [A-E]$/)).toBeVisible();
    await expect(card.getByText(/^Maintainability: [A-E]$/)).toBeVisible();
    await expect(card.getByText('84.2%')).toBeVisible();
    await expect(
      card.getByRole('link', { name: /Open in SonarQube/ }),
    ).toHaveAttribute(
      'href',
      'http://localhost:7107/api/fakes/sonarqube/dashboard?id=comet-examples_payments-api',
    );

    await page.getByRole('link', { name: 'Code quality', exact: true }).click();
    await expect(page).toHaveURL(
      /\/catalog\/default\/component\/payments-api\/sonarqube/,
    );
    await expect(page.getByText('Quality gate and measures')).toBeVisible();
    await expect(
      page.getByRole('img', { name: /^Coverage: .* \(12 analyses\)$/ }),
    ).toBeVisible();
    const issues = page.getByRole('table', { name: 'Issues' });
    await expect(
      issues.getByRole('button', { name: /^Show details of issue/ }),
    ).toHaveCount(25, { timeout: 30_000 });
    await expect(page.getByText('1-25 of 248')).toBeVisible();

    // Switch to pull request #42, whose gate fails
    await page
      .getByRole('button', {
        name: /^Branch or pull request main \(main branch\)/,
      })
      .click();
    await page
      .getByRole('option', {
        name: /Pull request #42 Partial refunds: gate failed/,
      })
      .click();
    await expect(page.getByText('Quality gate: Failed')).toBeVisible();
    await expect(page.getByText('✘ Coverage on new code: 42.3')).toBeVisible();
    await expect(page.getByText('1-9 of 9')).toBeVisible();

    // Drill down into an issue
    await issues
      .getByRole('button', { name: /^Show details of issue/ })
      .first()
      .click();
    await expect(
      issues.getByRole('link', { name: /^Open issue .* in SonarQube/ }),
    ).toBeVisible();
  });

  test('pages through a project with 10,000 issues, with the keyboard', async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/product-catalog/sonarqube');
    await expect(page.getByText('1-25 of 10000')).toBeVisible({
      timeout: 30_000,
    });
    const next = page.getByRole('button', { name: 'Next page' });
    await next.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByText('26-50 of 10000')).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(page.getByText('51-75 of 10000')).toBeVisible();

    // Only bugs
    await page.getByRole('button', { name: /^Type All types/ }).click();
    await page.getByRole('option', { name: 'Bug' }).click();
    await expect(page.getByText('1-25 of 2000')).toBeVisible();
  });

  test('a monorepo component shows both of its projects', async ({ page }) => {
    await page.goto('/catalog/default/component/notification-service');
    await expect(
      page.getByRole('heading', { name: 'Notification service: API' }),
    ).toBeVisible({ timeout: 45_000 });
    await expect(
      page.getByRole('heading', { name: 'Notification service: mailer' }),
    ).toBeVisible();
    await expect(page.getByText('Quality gate: Failed')).toBeVisible();
  });

  test("a team's and a system's Code quality tab lists their entities", async ({
    page,
  }) => {
    await page.goto('/catalog/default/group/payments-team');
    await page.getByRole('link', { name: 'Code quality', exact: true }).click();
    const table = page.getByRole('table', { name: 'Code quality by entity' });
    await expect(
      table.getByRole('link', { name: 'Payments API' }).first(),
    ).toBeVisible({
      timeout: 30_000,
    });
    const ledger = table.getByRole('row').filter({ hasText: 'Ledger worker' });
    await expect(ledger.getByText('Quality gate: Failed')).toBeVisible();

    await page.goto('/catalog/default/system/storefront/sonarqube');
    const system = page.getByRole('table', { name: 'Code quality by entity' });
    await expect(
      system.getByRole('link', { name: 'Notification service: mailer' }),
    ).toBeVisible({ timeout: 30_000 });
    await expect(
      system.getByRole('link', { name: 'Product catalogue' }).first(),
    ).toBeVisible();
  });

  test('a quality gate webhook updates an open page without a reload', async ({
    page,
    request,
  }) => {
    await page.goto('/catalog/default/component/storefront-web');
    const card = page
      .locator('.MuiCard-root')
      .filter({ has: page.getByText('Code quality', { exact: true }) });
    await expect(card.getByText('Quality gate: Passed')).toBeVisible({
      timeout: 45_000,
    });
    // A new analysis whose gate fails, submitted as a scanner would
    const submit = await request.post(
      '/api/fakes/sonarqube/api/ce/submit?projectKey=comet-examples_storefront-web&revision=e2e0000&gate=ERROR&pendingMs=0',
    );
    expect(submit.ok()).toBe(true);
    const body = JSON.stringify({
      serverUrl: 'http://localhost:7107/api/fakes/sonarqube',
      status: 'SUCCESS',
      project: { key: 'comet-examples_storefront-web', name: 'Storefront' },
      branch: { name: 'main', type: 'BRANCH', isMain: true },
      qualityGate: { name: 'Sonar way', status: 'ERROR', conditions: [] },
    });
    const forged = await request.post('/api/sonarqube/webhook', {
      data: body,
      headers: {
        'content-type': 'application/json',
        'x-sonar-webhook-hmac-sha256': createHmac('sha256', 'wrong')
          .update(body)
          .digest('hex'),
      },
    });
    expect(forged.status()).toBe(401);
    const delivered = await request.post('/api/sonarqube/webhook', {
      data: body,
      headers: {
        'content-type': 'application/json',
        'x-sonar-webhook-hmac-sha256': createHmac(
          'sha256',
          'e2e-sonarqube-webhook-secret',
        )
          .update(body)
          .digest('hex'),
      },
    });
    expect(delivered.status()).toBe(200);
    // The open card refreshes through the signal, no reload
    await expect(card.getByText('Quality gate: Failed')).toBeVisible();
  });
});
