import { expect, test } from '@playwright/test';

test.describe('Comet portal', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/');
    await expect(page.getByText('Guest', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Enter' }).click();
    // Signed in (the session is stored) before a test navigates by URL: otherwise the page
    // it opens can still find no session and show the sign-in page
    await expect(
      page
        .getByRole('navigation', { name: 'sidebar nav' })
        .getByRole('link', { name: 'Catalog', exact: true }),
    ).toBeVisible();
  });

  test('a guest signs in and lands on the catalog', async ({ page }) => {
    await expect(page).toHaveTitle(/^Comet/);
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    await expect(
      nav.getByRole('link', { name: 'Catalog', exact: true }),
    ).toBeVisible();
    await expect(
      nav.getByRole('link', { name: 'APIs', exact: true }),
    ).toBeVisible();
    await expect(
      nav.getByRole('link', { name: 'Create', exact: true }),
    ).toBeVisible();
    // The guest belongs to storefront-team, so "Owned" lists its components
    await expect(
      page.getByRole('heading', { level: 2, name: /^Owned Components/ }),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'Storefront', exact: true }),
    ).toBeVisible();
  });

  test('every example component is in the catalog', async ({ page }) => {
    await page.getByTestId('user-picker-all').click();
    const table = page.getByRole('table');
    for (const title of [
      'Payments API',
      'Ledger worker',
      'Product catalogue',
      'Storefront',
      'Notification service',
      'Comet',
    ]) {
      await expect(
        table.getByRole('link', { name: title, exact: true }),
      ).toBeVisible();
    }
  });

  test("a component's page shows its owner, system and APIs", async ({
    page,
  }) => {
    await page.getByTestId('user-picker-all').click();
    await page.getByRole('link', { name: 'Payments API', exact: true }).click();
    await expect(page).toHaveURL(/\/catalog\/default\/component\/payments-api/);
    await expect(
      page.getByRole('heading', { name: 'Payments API' }).first(),
    ).toBeVisible();
    await expect(
      page.getByText('Captures card payments and issues refunds').first(),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'payments-team' }).first(),
    ).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'Payments REST API' }),
    ).toBeVisible();
  });

  test("an entity's overview leads with delivery cards and hides empty relations", async ({
    page,
  }) => {
    await page.getByTestId('user-picker-all').click();
    await page.getByRole('link', { name: 'Payments API', exact: true }).click();
    const runs = page.getByText('Latest pipeline runs', { exact: true });
    const providedApis = page.getByText('Provided APIs', { exact: true });
    await expect(runs).toBeVisible();
    await expect(providedApis).toBeVisible();
    // What a team checks first comes before the relation tables
    const runsTop = (await runs.boundingBox())!.y;
    expect(runsTop).toBeLessThan((await providedApis.boundingBox())!.y);
    // payments-api depends on no component and has no subcomponents: no empty tables
    await expect(
      page.getByText('No component is a dependency of this component'),
    ).toHaveCount(0);
    await expect(
      page.getByText('Has subcomponents', { exact: true }),
    ).toHaveCount(0);
  });

  test('sidebar labels are shown whole', async ({ page }) => {
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    // Labels wrap onto a second line instead of ending in an ellipsis
    for (const text of ['Unprocessed Entities', 'Notifications']) {
      const label = nav.getByText(text, { exact: false }).first();
      await expect(label).toBeVisible();
      const cut = await label.evaluate(
        element =>
          element.scrollWidth > element.clientWidth ||
          element.scrollHeight > element.clientHeight,
      );
      expect(cut, `the sidebar label "${text}" is cut`).toBe(false);
    }
  });

  test("an annotation typo shows on the entity's page, which stays in the catalog", async ({
    page,
  }) => {
    await page.goto('/catalog/default/component/e2e-annotation-typo');
    await expect(
      page.getByRole('heading', { name: 'e2e-annotation-typo' }).first(),
    ).toBeVisible();
    await expect(
      page
        .getByText(
          /The jenkins\.io\/job-full-name entry "ci-eu:payments\/payments-api" cannot be used: Unknown Jenkins instance "ci-eu"/,
        )
        .first(),
    ).toBeVisible({ timeout: 30_000 });
  });

  test('the Catalog problems page lists the entity with the annotation typo and links to it', async ({
    page,
  }) => {
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    await nav
      .getByRole('link', { name: 'Catalog problems', exact: true })
      .click();
    await expect(page).toHaveURL(/\/catalog-problems$/);
    await expect(
      page.getByRole('heading', { name: 'Catalog problems' }).first(),
    ).toBeVisible();
    const table = page.getByRole('table', {
      name: 'Entities with annotation problems',
    });
    const link = table.getByRole('link', {
      name: 'e2e-annotation-typo',
      exact: true,
    });
    // The page reads the catalog once; Refresh until the catalog has processed the entity
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(link).toBeVisible({ timeout: 3_000 });
    }).toPass({ timeout: 30_000 });
    const row = table.getByRole('row').filter({
      has: page.getByRole('rowheader', { name: 'e2e-annotation-typo' }),
    });
    await expect(
      row.getByText(
        /The jenkins\.io\/job-full-name entry "ci-eu:payments\/payments-api" cannot be used: Unknown Jenkins instance "ci-eu"/,
      ),
    ).toBeVisible();
    await expect(
      row.getByText('jenkins.io/job-full-name').first(),
    ).toBeVisible();

    await link.click();
    await expect(page).toHaveURL(
      /\/catalog\/default\/component\/e2e-annotation-typo/,
    );
    await expect(
      page.getByRole('heading', { name: 'e2e-annotation-typo' }).first(),
    ).toBeVisible();
  });

  test('a catalog error shows in the error view', async ({ page }) => {
    const nav = page.getByRole('navigation', { name: 'sidebar nav' });
    await nav.getByRole('link', { name: 'Unprocessed Entities' }).click();
    await expect(page).toHaveURL(/catalog-unprocessed-entities/);
    // An entity that fails validation never gets processed, so it waits under "Pending"
    // with its error.
    await page.getByRole('tab', { name: 'Pending' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Component' });
    await expect(row).toHaveCount(1);
    await row.getByRole('button').click();
    const dialog = page.getByRole('dialog');
    await expect(
      dialog.getByText(/e2e-invalid-component/).first(),
    ).toBeVisible();
  });
});
